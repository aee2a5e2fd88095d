package io.tidemark.core;

import java.util.Objects;

/** An error with a stable {@link ErrorCode}; the message says what was wrong and, where useful, what to do. */
public class TidemarkException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public TidemarkException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public TidemarkException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
