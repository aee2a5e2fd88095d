package io.tidemark.live;

/** One changed result row of one generation. */
record Change(Kind kind, Tuple tuple) {
    enum Kind { ADDED, UPDATED, REMOVED }

    /**
     * The net effect of {@code first} followed by {@code later} on the same key, or null when they cancel (added,
     * then removed). Whether the client held the row before is decided by {@code first}.
     */
    static Change conflate(Change first, Change later) {
        boolean heldBefore = first.kind != Kind.ADDED;
        if (later.kind == Kind.REMOVED) {
            return heldBefore ? later : null;
        }
        return new Change(heldBefore ? Kind.UPDATED : Kind.ADDED, later.tuple);
    }
}
