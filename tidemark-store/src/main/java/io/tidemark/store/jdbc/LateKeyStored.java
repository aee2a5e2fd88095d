package io.tidemark.store.jdbc;

/**
 * Thrown by {@link Engine#writeBatch} when the plain insert of a batch's late part met a stored key and the engine
 * cannot undo that statement alone (DuckDB has no savepoints): the store rolls the transaction back and writes the
 * batch again with {@link BatchWrite#compareLate()} set. Carries no stack trace; it is control flow, not an error.
 */
public final class LateKeyStored extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LateKeyStored(Throwable cause) {
        super("a late sample's key is already stored; write the batch again comparing", cause, false, false);
    }
}
