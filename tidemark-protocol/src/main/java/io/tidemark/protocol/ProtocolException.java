package io.tidemark.protocol;

/** A text message that is not a valid frame: {@link #code()} is {@link Protocol#INVALID_FRAME}. */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;

    public ProtocolException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
