package io.tidemark.client;

import java.util.List;

/**
 * A request the server refused or could not serve.
 *
 * @see #code()
 */
public final class TidemarkClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;
    private final int httpStatus;
    private final transient List<RowError> errors;

    /** One bad row of a rejected batch; {@code line} is 0 when unknown, {@code column} null for the whole row. */
    public record RowError(int row, int line, String column, String reason) {}

    public TidemarkClientException(String code, int httpStatus, String message, List<RowError> errors) {
        super(code + ": " + message);
        this.code = code;
        this.httpStatus = httpStatus;
        this.errors = List.copyOf(errors);
    }

    /**
     * The server's stable error code ({@code NOT_FOUND}, {@code INVALID_BATCH}, {@code FORBIDDEN}, …), or
     * {@code TRANSPORT} when the server could not be reached or answered something that is not Tidemark's.
     */
    public String code() {
        return code;
    }

    /** The HTTP status; 200 for errors inside a GraphQL response, 0 when no response arrived. */
    public int httpStatus() {
        return httpStatus;
    }

    /** For a rejected batch, the first bad rows; empty otherwise. */
    public List<RowError> errors() {
        return errors;
    }
}
