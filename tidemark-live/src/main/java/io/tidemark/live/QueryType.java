package io.tidemark.live;

/** What a registered query delivers. */
public enum QueryType {
    /** The result as of the next generation, framed like every other change; then the query ends by itself. */
    SNAPSHOT,
    /** The result as of the next generation, then every change to it in later generations. */
    SNAPSHOT_AND_CONTINUOUS,
    /**
     * Only changes after the next generation. The first generation still carries an empty
     * {@code snapshotBegin(schema)} / {@code snapshotEnd} pair, so the client learns the schema.
     */
    CONTINUOUS_ONLY
}
