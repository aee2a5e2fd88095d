package io.tidemark.rollup;

/**
 * Hears of the rollup rows an orchestrator commits, e.g. to show them to live queries. Every method is a
 * {@code default} no-op, so an implementation overrides only what it needs and the interface can grow. Set it with
 * {@link RollupOrchestrator.Builder#listener} or {@link OrchestratorHost.Builder#listener}.
 *
 * <h2>Thread</h2>
 * Called on the thread that runs the tick: the host's {@value OrchestratorHost#THREAD_NAME} thread (or its given
 * executor), or the caller of {@link RollupOrchestrator#tick()}, {@link RollupOrchestrator#processRollup} and
 * {@link OrchestratorHost#runOnce()}. Two orchestrators of one tenant may call it at the same time, from two threads.
 *
 * <h2>Timing</h2>
 * {@link #committed} runs after the statement's transaction has committed (its rows are visible to any reader of the
 * store) and before the rollup's watermark moves: on the forward path the orchestrator compare-and-sets the
 * watermark only once the call returns; a recompute never moves the watermark. A statement that was not applied
 * (another orchestrator moved the watermark first) is not reported. A bucket may be reported more than once: a
 * crash or a lost compare-and-set between the rows and the watermark makes the next tick write it again.
 *
 * <h2>Contract</h2>
 * Keep it short and do not block on anything slow: the watermark and the rest of the tenant's tick wait for it.
 * Reading the committed rows back from the store is fine. It should not throw; an exception it throws counts as a
 * failure of the rollup's statement (the rows stay committed, the failure is recorded and, on the forward path, the
 * watermark stays where it was, so the next tick writes the buckets again).
 */
public interface RollupListener {

    /** A listener that does nothing: the default. */
    RollupListener NONE = new RollupListener() { };

    /** The buckets {@code [from, to)} of a rollup were written (forward path or recompute); see the type's Javadoc. */
    default void committed(RollupCommit commit) {
        // nothing by default
    }
}
