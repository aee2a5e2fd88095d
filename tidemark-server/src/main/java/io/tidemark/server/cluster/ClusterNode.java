package io.tidemark.server.cluster;

import io.tidemark.cluster.BatchPart;
import io.tidemark.cluster.LogProducer;
import io.tidemark.cluster.LogRecord;
import io.tidemark.cluster.LogSettings;
import io.tidemark.cluster.LogTopic;
import io.tidemark.cluster.LogWriter;
import io.tidemark.cluster.LogWriterListener;
import io.tidemark.cluster.LogWriterSettings;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's part in the cluster (docs/scale-out.md): the topic checked or created, the node's one
 * {@link LogProducer}, and its {@link LogWriter} in the writers' consumer group. Started by
 * {@code TidemarkServer} in cluster mode only; single-node mode never creates one.
 *
 * <p>Lifecycle: {@link #start} returns a running node or throws with nothing left running; {@link #close} stops the
 * writer (it leaves the group, its partitions move at once), then closes the producer. Thread-safe.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    private final LogSettings log;
    private final LogProducer producer;
    private final LogWriter writer;
    private final int partitions;
    private final java.util.Set<Integer> owned;
    private boolean closed;

    private ClusterNode(LogSettings log, LogProducer producer, LogWriter writer, int partitions,
            java.util.Set<Integer> owned) {
        this.log = log;
        this.producer = producer;
        this.writer = writer;
        this.partitions = partitions;
        this.owned = owned;
    }

    /**
     * Checks the store (PostgreSQL), ensures the topic within {@code startTimeout}, opens the producer and starts the
     * writer.
     *
     * @throws TidemarkException {@code INVALID_ARGUMENT} when the store is not PostgreSQL (naming
     *     {@code --jdbc-url}); {@code INVALID_STATE} when the topic has another partition count; {@code LOG_UNAVAILABLE}
     *     when Kafka did not answer within {@code startTimeout} ({@code cluster.start-timeout}). Nothing is left running.
     */
    public static ClusterNode start(LogSettings log, LogWriterSettings writerSettings, Store store, Clock clock,
            java.time.Duration startTimeout) {
        Objects.requireNonNull(store, "store");
        requirePostgres(store);
        int partitions = LogTopic.ensure(log, startTimeout);
        LogProducer producer = LogProducer.open(log);
        java.util.Set<Integer> owned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try {
            LogWriter writer = LogWriter.start(log, writerSettings, store, producer, clock,
                    new Ownership(owned));
            LOG.atInfo().addKeyValue("node", log.nodeId()).addKeyValue("kafka", log.bootstrapServers())
                    .addKeyValue("topic", log.topic()).addKeyValue("partitions", partitions)
                    .addKeyValue("group", writerSettings.group()).log("cluster mode: log writer started");
            return new ClusterNode(log, producer, writer, partitions, owned);
        } catch (RuntimeException e) {
            producer.close();
            throw e;
        }
    }

    /**
     * Refuses a store that cannot be the cluster's: cluster mode needs PostgreSQL, which every node shares.
     *
     * @throws TidemarkException {@code INVALID_ARGUMENT} naming {@code --jdbc-url}
     */
    public static void requirePostgres(Store store) {
        try {
            store.logWriter();
        } catch (TidemarkException e) {
            throw notPostgres(store.describe());
        }
    }

    /** The refusal of a store that is not PostgreSQL; {@code what} names it. */
    public static TidemarkException notPostgres(String what) {
        return new TidemarkException(ErrorCode.INVALID_ARGUMENT, "cluster mode (--cluster kafka=…, cluster.kafka) "
                + "needs a PostgreSQL store that every node shares, not " + what + ": give it with --jdbc-url "
                + "jdbc:postgresql://host:5432/db (jdbc.url)");
    }

    /**
     * Whether this node's writer owns {@code tenant}'s partition now: the tenant's orchestrator and retention run on
     * that node only (docs/scale-out.md, "Placement"). During a rebalance two nodes may both answer true for a moment,
     * or none; the rollup watermark's compare-and-set is the safety net.
     */
    public boolean owns(TenantId tenant) {
        return owned.contains(io.tidemark.cluster.LogPartitions.of(tenant, partitions));
    }

    /** The partitions this node's writer owns now. */
    public java.util.Set<Integer> ownedPartitions() {
        return java.util.Set.copyOf(owned);
    }

    /** Keeps the owned partitions as the writer's group assigns and revokes (or loses) them; writer's thread. */
    private record Ownership(java.util.Set<Integer> owned) implements LogWriterListener {
        @Override
        public void partitionsAssigned(java.util.Set<Integer> partitions) {
            owned.addAll(partitions);
            LOG.atInfo().addKeyValue("partitions", partitions).log("cluster mode: partitions assigned to this node's "
                    + "writer; their tenants' rollups and retention run here");
        }

        @Override
        public void partitionsRevoked(java.util.Set<Integer> partitions) {
            owned.removeAll(partitions);
        }
    }

    /** This node's log settings (its node id, the topic). */
    public LogSettings settings() {
        return log;
    }

    /** The topic's partition count. */
    public int partitions() {
        return partitions;
    }

    /** The writer (its status and failure). */
    public LogWriter writer() {
        return writer;
    }

    /**
     * Appends one {@code BATCH} record of {@code tenant}'s validated parts and returns its offset once the log
     * acknowledged it (durable in the log).
     *
     * @throws TidemarkException {@code LOG_UNAVAILABLE} (the record may or may not be in the log), {@code TOO_LARGE}
     */
    public long append(TenantId tenant, Instant acceptedAt, List<BatchPart> parts) {
        return producer.append(tenant, new LogRecord.Batch(log.nodeId(), acceptedAt, parts));
    }

    /**
     * Appends an {@code ARCHIVE} record of {@code tenant}, after the change's store transaction committed, and returns
     * its offset once acknowledged: every node following the tenant applies the change at the same cut.
     *
     * @throws TidemarkException {@code LOG_UNAVAILABLE}
     */
    public long appendArchive(TenantId tenant, String archive, long version, LogRecord.Archive.Change change) {
        return producer.append(tenant, new LogRecord.Archive(archive, version, change));
    }

    /**
     * Appends the committed rows of a rollup range {@code [from, to)} as {@code ROLLUP} records of {@code tenant}, split
     * into pieces whose encoded values stay within {@code cluster.max-record-bytes}, one after the other, and returns
     * once the log acknowledged every piece: every node following the tenant applies them at the cuts that pass them.
     * A failure may leave some pieces in the log; each piece is an upsert of its rows, so appending all of them again
     * is harmless.
     *
     * @param view the rollup archive as readers see it (the records' columns)
     * @param version the rollup archive's definition version
     * @param rows at least one row, reader values ({@code RollupPlan.readValues})
     * @return the number of records appended
     * @throws TidemarkException {@code LOG_UNAVAILABLE} (a piece may or may not be in the log); {@code TOO_LARGE}
     *     when one row alone is over the limit (nothing appended)
     */
    public int appendRollup(TenantId tenant, io.tidemark.core.ArchiveDefinition view, long version, Instant from,
            Instant to, List<io.tidemark.core.Sample> rows) {
        List<LogRecord.Rollup> pieces = RollupPieces.split(view, version, from, to, rows, log.maxRecordBytes());
        for (LogRecord.Rollup piece : pieces) {
            producer.append(tenant, piece);
        }
        return pieces.size();
    }

    /** Stops the writer (leaving the group), then closes the producer. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.close();
        } finally {
            producer.close();
        }
        LOG.atInfo().addKeyValue("node", log.nodeId()).log("cluster mode: log writer and producer closed");
    }

    /**
     * The node id when {@code cluster.node-id} is not set: the host name and the configured HTTP port, or the
     * process id when the port is 0 (the node joins the log before its port is bound).
     */
    public static String defaultNodeId(int port) {
        String h;
        try {
            h = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            h = "localhost";
        }
        return port != 0 ? h + ":" + port : h + "-pid" + ProcessHandle.current().pid();
    }
}
