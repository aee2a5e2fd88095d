package io.tidemark.core;

/** Lifecycle of a rollup. Only {@link #ACTIVATED} rollups advance; {@link #FAILED} ones wait for a retry. */
public enum RollupStatus {
    CREATED,
    ACTIVATED,
    DISABLED,
    FAILED
}
