package io.tidemark.store.jdbc;

/**
 * Thrown by {@link Engine#writeBatch} when a write that did not look first met a stored key and the engine cannot
 * undo that statement alone (DuckDB has no savepoints): the store rolls the transaction back and writes the batch
 * again with {@link BatchWrite#compare()} set. Carries no stack trace; it is control flow, not an error.
 */
public final class KeyAlreadyStored extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KeyAlreadyStored(Throwable cause) {
        super("a sample's key is already stored; write the batch again comparing", cause, false, false);
    }
}
