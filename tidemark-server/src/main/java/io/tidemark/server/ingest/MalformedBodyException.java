package io.tidemark.server.ingest;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.List;
import java.util.stream.Collectors;

/** An ingest body that could not be read into samples; nothing was written. Code {@code INVALID_BATCH}. */
public final class MalformedBodyException extends TidemarkException {
    private static final long serialVersionUID = 1L;
    private final transient List<BodyError> errors;
    private final boolean values;

    /** A body that could not be read: syntax, encoding, header, no samples. */
    public MalformedBodyException(String archive, List<BodyError> errors) {
        this(archive, errors, false);
    }

    /** @param values whether the body was read and its values were refused (types, columns, keys) */
    public MalformedBodyException(String archive, List<BodyError> errors, boolean values) {
        super(ErrorCode.INVALID_BATCH, "batch for archive '" + archive + "' rejected, nothing written: "
                + errors.stream().map(e -> "line " + e.line() + (e.column() == null ? "" : ", column '" + e.column()
                        + "'") + ": " + e.reason()).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
        this.values = values;
    }

    /** Whether the body was read and its values were refused, rather than the body unreadable. */
    public boolean valuesRefused() {
        return values;
    }

    public List<BodyError> errors() {
        return errors;
    }
}
