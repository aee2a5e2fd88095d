/**
 * The rollup orchestrator (SPEC §2): {@link io.tidemark.rollup.RollupOrchestrator} keeps one tenant's rollup
 * archives complete, driven by watermarks; {@link io.tidemark.rollup.RollupAdmin} holds the audited operator
 * actions; {@link io.tidemark.rollup.OrchestratorHost} ticks every tenant in the background;
 * a {@link io.tidemark.rollup.RollupListener} hears of every committed statement (after its rows, before its
 * watermark). The module talks to the database only through the {@code io.tidemark.store} SPI.
 */
package io.tidemark.rollup;
