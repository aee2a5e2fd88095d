package io.tidemark.core;

import java.util.List;
import java.util.stream.Collectors;

/** A batch failed validation; nothing of it was written. {@link #errors()} names the first bad rows. */
public final class BatchRejectedException extends TidemarkException {
    private static final long serialVersionUID = 1L;
    private final transient List<RowError> errors;

    /**
     * One bad row.
     *
     * @param row the row's 1-based position in the batch
     * @param column the offending column, or null when the row as a whole is wrong
     */
    public record RowError(int row, String column, String reason) {
        @Override
        public String toString() {
            return "row " + row + (column == null ? "" : ", column '" + column + "'") + ": " + reason;
        }
    }

    public BatchRejectedException(String archive, List<RowError> errors) {
        super(ErrorCode.INVALID_BATCH, "batch for archive '" + archive + "' rejected, nothing written: "
                + errors.stream().map(RowError::toString).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<RowError> errors() {
        return errors;
    }
}
