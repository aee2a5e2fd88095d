package io.tidemark.store;

import io.tidemark.core.RollupPlan;

/** A rollup's validated plan and its runtime state, read together. */
public record RollupInfo(RollupPlan plan, RollupState state) {}
