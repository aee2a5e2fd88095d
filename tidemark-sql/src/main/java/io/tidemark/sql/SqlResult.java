package io.tidemark.sql;

import java.util.Objects;

/**
 * What executing one statement produced. The wire layer turns each kind into its protocol messages.
 */
public sealed interface SqlResult {

    /** Rows to send as RowDescription, DataRow…, CommandComplete {@code SELECT n}. */
    static SqlResult rows(RowCursor cursor) {
        return new Rows(cursor);
    }

    /** A command without rows; {@code tag} is its CommandComplete tag, such as {@code SET} or {@code BEGIN}. */
    static SqlResult command(String tag) {
        return new Command(tag);
    }

    /**
     * Rows to send as a {@code COPY … TO STDOUT (FORMAT csv)}: CopyOutResponse, one CopyData per row in CSV, CopyDone,
     * CommandComplete {@code COPY n}.
     *
     * @param header whether a first line names the columns ({@code HEADER} option)
     */
    static SqlResult copyOut(RowCursor cursor, boolean header) {
        return new CopyOut(cursor, header);
    }

    /** An empty statement (only whitespace or comments): EmptyQueryResponse. */
    static SqlResult emptyQuery() {
        return EmptyQuery.INSTANCE;
    }

    /** Rows; the wire layer closes the cursor. */
    record Rows(RowCursor cursor) implements SqlResult {
        public Rows {
            Objects.requireNonNull(cursor, "cursor");
        }
    }

    /** A command tag. */
    record Command(String tag) implements SqlResult {
        public Command {
            Objects.requireNonNull(tag, "tag");
        }
    }

    /** A CSV copy to the client; the wire layer closes the cursor. */
    record CopyOut(RowCursor cursor, boolean header) implements SqlResult {
        public CopyOut {
            Objects.requireNonNull(cursor, "cursor");
        }
    }

    /** The empty statement. */
    enum EmptyQuery implements SqlResult {
        INSTANCE
    }
}
