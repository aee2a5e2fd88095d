package io.tidemark.live;

/** Capability names. They are strings on the wire, never ordinals. */
public final class Capabilities {
    /** A client capability: frame each generation with {@code aggMarkBegin} / {@code aggMarkEnd(generation)}. */
    public static final String AGG_MARK_END = "AGG_MARK_END";
    /** A server capability, listed at connect: the server cuts generations and can send aggregate marks. */
    public static final String AGGREGATE_MARK_GENERATION = "AGGREGATE_MARK_GENERATION";

    private Capabilities() {}
}
