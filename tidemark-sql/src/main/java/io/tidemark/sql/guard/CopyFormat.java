package io.tidemark.sql.guard;

/**
 * How {@code COPY (…) TO STDOUT} writes rows, as PostgreSQL's options say: text (tab-separated, {@code \N} for null)
 * or CSV. The wire layer formats the rows; the engine only runs the query.
 *
 * @param csv CSV when true, PostgreSQL's text format otherwise
 * @param header a first line with the column names (CSV only)
 * @param delimiter between fields: tab for text, comma for CSV unless set
 * @param nullString how a null is written: {@code \N} for text, empty for CSV unless set
 * @param quote the CSV quote character
 * @param escape the CSV escape character (the quote unless set)
 */
public record CopyFormat(boolean csv, boolean header, char delimiter, String nullString, char quote, char escape) {
    /** PostgreSQL's defaults for the text format. */
    public static final CopyFormat TEXT = new CopyFormat(false, false, '\t', "\\N", '"', '"');
    /** PostgreSQL's defaults for CSV. */
    public static final CopyFormat CSV = new CopyFormat(true, false, ',', "", '"', '"');
}
