package io.tidemark.client;

/** What a live query delivers; sent to the server by name. */
public enum QueryType {
    /** The result as of the next generation, then the query ends by itself. */
    SNAPSHOT,
    /** The result as of the next generation, then every change to it. */
    SNAPSHOT_AND_CONTINUOUS,
    /** An empty snapshot (so the schema arrives), then only changes. */
    CONTINUOUS_ONLY
}
