package io.tidemark.client;

/** A registered live query. Thread-safe. */
public interface Query {

    QueryConfig config();

    /** Drops the query on the server; nothing more is delivered for it. Idempotent. */
    void unregister();
}
