package io.tidemark.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.LogRejectReason;
import io.tidemark.store.LogRejection;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.StoreTimeouts;
import io.tidemark.store.Stores;
import io.tidemark.store.TestStores;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log writer against a real broker ({@link KafkaBroker}, one for the class) and real embedded PostgreSQL
 * (docs/scale-out.md, "Writers: log → store, exactly once"): the store's rows equal the log applied once in log order
 * (later wins on a repeated key), under replays, a rebalance, a broker restart and a PostgreSQL outage; refusals are
 * recorded once and listed by a {@code CUT}; {@code CUT}s advance and cover the log. Each test has its own topic, group
 * and database.
 */
@Timeout(240)
class LogWriterIT {
    private static final Instant T0 = Instant.parse("2024-05-01T00:00:00Z");
    private static final ArchiveDefinition RAW = ArchiveDefinition.raw("raw", List.of(Column.of("v",
            ColumnType.DOUBLE)));
    private static final ArchiveDefinition AUX = ArchiveDefinition.raw("aux", List.of(Column.of("s",
            ColumnType.VARCHAR), Column.of("n", ColumnType.BIGINT)));
    private static final ArchiveDefinition GONE = ArchiveDefinition.raw("gone", List.of(Column.of("s",
            ColumnType.VARCHAR), Column.of("n", ColumnType.BIGINT)));
    private static final List<TenantId> TENANTS = List.of(TenantId.of("acme"), TenantId.of("globex"),
            TenantId.of("initech"));
    private static final int PARTITIONS = 3;
    private static final Duration BOUND = Duration.ofSeconds(90);
    private static final AtomicInteger TOPICS = new AtomicInteger();

    private static KafkaBroker broker;

    @TempDir
    Path dir;
    private LogSettings log;
    private LogProducer producer;
    private Store store;
    private EmbeddedPostgres pg;
    private final List<LogWriter> writers = new ArrayList<>();
    /** tenant → archive → "rtId@micros" → values, the log applied in order. */
    private final Map<TenantId, Map<String, Map<String, Map<String, Object>>>> oracle = new ConcurrentHashMap<>();
    /** tenant → offsets of its BATCH records. */
    private final Map<TenantId, List<Long>> appended = new ConcurrentHashMap<>();
    private final Random random = new Random(42);
    /** The raw archive's definition version per tenant (appends go on while PostgreSQL is down). */
    private final Map<TenantId, Long> rawVersions = new ConcurrentHashMap<>();
    private final Map<TenantId, Long> auxVersions = new ConcurrentHashMap<>();

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @AfterEach
    void close() throws IOException {
        writers.forEach(LogWriter::close);
        if (producer != null) {
            producer.close();
        }
        if (store != null) {
            store.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void write_batchesOfThreeTenants_storeEqualsTheLogAppliedOnceInOrderAndCutsCoverIt() {
        setUp(TestStores.postgres());
        appendRandom(120);
        assertThat(oracle.values()).as("records of two parts were appended")
                .anyMatch(archives -> archives.containsKey("aux"));
        LogWriter w = writer("n1", "g1");

        awaitAllWritten();
        assertStoreEqualsOracle();
        // status() is published once per loop: it may trail the store by one.
        await("the writer's status counts every record", () -> w.status().recordsWritten() == totalAppended());
        assertThat(w.status().rejectedTotal()).isZero();
        awaitCutsCoverTheLog();
    }

    /**
     * A writer wrote everything and went away without its Kafka offsets (here: a writer of another group, which has
     * none, replays the whole log — as a new owner after a crash before {@code commitSync} would replay the rest):
     * the positions skip every record, nothing is written twice.
     */
    @Test
    void write_replayWithoutCommittedOffsets_writesNothingTwice() {
        setUp(TestStores.postgres());
        appendRandom(60);
        LogWriter first = writer("n1", "g1");
        awaitAllWritten();
        first.close();

        LogWriter replay = writer("n2", "g2");
        appendRandom(30);
        awaitAllWritten();
        await("the replaying writer passed the whole log", () -> replay.status().partitions().values().stream()
                .mapToLong(LogWriterStatus.Partition::upTo).sum() >= endOffsetsOfBatches());

        assertStoreEqualsOracle();
        assertThat(first.status().recordsWritten() + replay.status().recordsWritten()).isEqualTo(totalAppended());
    }

    /**
     * Two writers of two groups own the same partitions at once — each a zombie to the other — while batches are
     * appended: every record is committed by exactly one transaction (the written counts add up to the log), the
     * other is fenced ({@code Moved}) or skips.
     */
    @Test
    void write_twoWritersOwningTheSamePartitions_eachRecordCommittedOnce() {
        setUp(TestStores.postgres());
        LogWriter a = writer("n1", "ga");
        LogWriter b = writer("n2", "gb");
        for (int i = 0; i < 6; i++) {
            appendRandom(30);
        }
        awaitAllWritten();
        await("both passed the log", () -> passed(a) && passed(b));

        assertStoreEqualsOracle();
        assertThat(a.status().recordsWritten() + b.status().recordsWritten()).isEqualTo(totalAppended());
    }

    /** Two writers in one group; one leaves mid-stream: the other takes its partitions over and the oracle holds. */
    @Test
    void write_oneOfTwoWritersClosedMidStream_theOtherTakesOver() {
        setUp(TestStores.postgres());
        List<Set<Integer>> assignedToB = new CopyOnWriteArrayList<>();
        LogWriter a = writer("n1", "g1");
        LogWriter b = writer("n2", "g1", new LogWriterListener() {
            @Override
            public void partitionsAssigned(Set<Integer> partitions) {
                assignedToB.add(partitions);
            }
        });
        await("both writers own partitions", () -> !a.status().partitions().isEmpty()
                && !b.status().partitions().isEmpty());
        appendRandom(60);
        await("some records written", () -> a.status().recordsWritten() + b.status().recordsWritten() > 10);
        a.close();
        appendRandom(60);

        awaitAllWritten();
        await("b owns every partition", () -> b.status().partitions().size() == PARTITIONS);
        assertStoreEqualsOracle();
        await("the writers' status counts every record once",
                () -> a.status().recordsWritten() + b.status().recordsWritten() == totalAppended());
        assertThat(assignedToB).hasSizeGreaterThanOrEqualTo(2);
    }

    /**
     * The partition's next owner runs an hour behind: its cuts still never carry an instant below its predecessor's
     * (the cuts it passes over and the instant in the committed offset's metadata).
     */
    @Test
    void cut_nextOwnerWithAClockBehind_cutInstantsNeverGoBack() {
        setUp(TestStores.postgres());
        LogWriter first = writer("n1", "g1");
        appendRandom(30);
        awaitAllWritten();
        await("cuts of the first writer", () -> first.status().cuts() >= PARTITIONS);
        first.close();

        List<Instant> cutsOfSecond = new CopyOnWriteArrayList<>();
        writer("n2", "g1", new LogWriterListener() {
            @Override
            public void cut(int partition, long offset, LogRecord.Cut cut) {
                cutsOfSecond.add(cut.cutAt());
            }
        }, Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));
        appendRandom(30);

        awaitAllWritten();
        assertStoreEqualsOracle();
        await("cuts of the second writer", () -> cutsOfSecond.size() >= PARTITIONS);
        awaitCutsCoverTheLog();
    }

    /** The broker restarts mid-stream: the writer resumes, commits the rest once, and cuts again. */
    @Test
    void write_brokerRestartedMidStream_writerResumes() {
        setUp(TestStores.postgres());
        LogWriter w = writer("n1", "g1");
        appendRandom(50);
        awaitAllWritten();
        long cuts = w.status().cuts();

        broker.stop();
        broker.restart();
        appendRandom(50);

        awaitAllWritten();
        assertStoreEqualsOracle();
        // status() is the snapshot the writer publishes once per loop, so it may trail the store by a loop (a full
        // suite run once read 90 of 100 right after the store held all 100): wait for it, bounded.
        await("the writer's status counts every record", () -> w.status().recordsWritten() == totalAppended());
        await("cuts again after the restart", () -> w.status().cuts() > cuts);
        awaitCutsCoverTheLog();
    }

    /**
     * PostgreSQL stops mid-stream: the writer stalls (status and listener), skips nothing and appends no cut of the
     * stalled partition; PostgreSQL starts again on its port and data: the writer catches up and the oracle holds.
     */
    @Test
    void write_postgresStoppedAndRestarted_stallsThenCatchesUp() throws IOException {
        int port = freePort();
        Path data = dir.resolve("pgdata");
        pg = postgres(port, data);
        StoreTimeouts waits = new StoreTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(1));
        setUp(Stores.open(new StoreConfig(pg.getJdbcUrl("postgres", "postgres"), null, null, 4, null, waits)));
        List<Integer> stalled = new CopyOnWriteArrayList<>();
        List<Integer> resumed = new CopyOnWriteArrayList<>();
        List<String> events = new CopyOnWriteArrayList<>();
        LogWriter w = writer("n1", "g1", new LogWriterListener() {
            @Override
            public void stalled(int partition, Throwable cause) {
                stalled.add(partition);
                events.add("stalled " + partition);
            }

            @Override
            public void resumed(int partition) {
                resumed.add(partition);
                events.add("resumed " + partition);
            }

            @Override
            public void cut(int partition, long offset, LogRecord.Cut cut) {
                events.add("cut " + partition);
            }
        });
        appendRandom(40);
        awaitAllWritten();

        pg.close();
        pg = null;
        appendRandom(40);
        await("stalled", () -> w.status().stalled());
        assertThat(stalled).isNotEmpty();
        LogWriterStatus during = w.status();
        pg = postgres(port, data);

        awaitAllWritten();
        await("no partition stalled", () -> !w.status().stalled());
        assertStoreEqualsOracle();
        assertThat(w.status().recordsWritten()).isEqualTo(totalAppended());
        assertThat(resumed).containsExactlyInAnyOrderElementsOf(stalled);
        assertThat(during.recordsWritten()).isLessThan(totalAppended());
        for (int p : stalled) {
            List<String> own = events.stream().filter(e -> e.endsWith(" " + p)).toList();
            int from = own.indexOf("stalled " + p);
            int to = own.indexOf("resumed " + p);
            assertThat(own.subList(from, to)).as("no cut of partition %d while stalled", p)
                    .doesNotContain("cut " + p);
        }
        awaitCutsCoverTheLog();
    }

    /**
     * An archive deleted between the append and the write: its record is rejected {@code not_found} once (a replay
     * by another writer records nothing more), the other records are written, and a {@code CUT} lists the offset;
     * a record that does not decode is the tenant's {@code unreadable} rejection and is skipped.
     */
    @Test
    void write_archiveDeletedBeforeTheWrite_rejectedOnceAndListedByACut() {
        setUp(TestStores.postgres());
        TenantId acme = TENANTS.get(0);
        store.archives().createArchive(acme, GONE);
        ArchiveInfo gone = store.archives().activateArchive(acme, "gone");
        appendRandom(10);
        long doomed = producer.append(acme, new LogRecord.Batch("n1", Instant.now(), List.of(BatchPart.of(
                gone.version(), SampleBatch.validate(GONE, List.of(new Sample("x", T0, Map.of("s", "a", "n", 1L))),
                        BatchLimits.DEFAULT)))));
        long garbage = appendGarbage(acme);
        appendRandom(10);
        store.archives().deleteArchive(acme, "gone");

        LogWriter w = writer("n1", "g1");
        awaitAllWritten();
        await("the garbage record passed", () -> store.logWriter().position(acme).nextOffset() > garbage);
        LogWriter replay = writer("n2", "g2");
        int p = LogPartitions.of(acme, PARTITIONS);
        await("the replay passed the log", () -> passed(replay) && replay.status().partitions().get(p).upTo()
                > garbage);

        assertStoreEqualsOracle();
        List<LogRejection> rejections = store.logWriter().rejections(acme, 0, 100);
        assertThat(rejections).extracting(LogRejection::offset).containsExactly(doomed, garbage);
        assertThat(rejections).extracting(LogRejection::reason).containsExactly(LogRejectReason.NOT_FOUND,
                LogRejectReason.UNREADABLE);
        assertThat(w.status().rejected(LogRejectReason.NOT_FOUND)).isEqualTo(1);
        assertThat(w.status().rejected(LogRejectReason.UNREADABLE)).isEqualTo(1);
        assertThat(replay.status().rejectedTotal()).isZero();
        await("a CUT lists both rejected offsets", () -> cuts(p).stream()
                .flatMap(c -> c.rejected().stream()).toList().containsAll(List.of(doomed, garbage)));
    }

    // --- fixture ---------------------------------------------------------------------------------------------

    private void setUp(Store s) {
        store = s;
        log = LogSettings.builder(broker.bootstrapServers()).topic("writer-" + TOPICS.incrementAndGet())
                .partitions(PARTITIONS).nodeId("test").produceTimeout(Duration.ofSeconds(10)).build();
        LogTopic.ensure(log, Duration.ofSeconds(30));
        producer = LogProducer.open(log);
        for (TenantId t : TENANTS) {
            store.createTenant(t);
            store.archives().createArchive(t, RAW);
            rawVersions.put(t, store.archives().activateArchive(t, "raw").version());
            store.archives().createArchive(t, AUX);
            auxVersions.put(t, store.archives().activateArchive(t, "aux").version());
        }
    }

    private LogWriter writer(String node, String group) {
        return writer(node, group, LogWriterListener.NONE);
    }

    private LogWriter writer(String node, String group, LogWriterListener listener) {
        return writer(node, group, listener, Clock.systemUTC());
    }

    private LogWriter writer(String node, String group, LogWriterListener listener, Clock clock) {
        LogSettings l = LogSettings.builder(log.bootstrapServers()).topic(log.topic()).partitions(PARTITIONS)
                .nodeId(node).produceTimeout(Duration.ofSeconds(10)).build();
        LogWriterSettings s = LogWriterSettings.builder().group(group).pollTimeout(Duration.ofMillis(50))
                .cutInterval(Duration.ofMillis(100)).clockCutInterval(Duration.ofMillis(500))
                .maxBackoff(Duration.ofSeconds(1)).maxSamplesPerTransaction(40).build();
        LogWriter w = LogWriter.start(l, s, store, producer, clock, listener);
        writers.add(w);
        return w;
    }

    /**
     * Appends {@code n} BATCH records over the tenants: 1–12 samples each, rtIds from a pool of 5 and timestamps from
     * 20 seconds, so later records overwrite earlier ones' keys; one in four records has a second part, of the
     * archive {@code aux} (one request over two archives). The oracle applies each record in log order.
     */
    private void appendRandom(int n) {
        for (int i = 0; i < n; i++) {
            TenantId t = TENANTS.get(random.nextInt(TENANTS.size()));
            List<BatchPart> parts = new ArrayList<>();
            Map<String, Map<String, Sample>> byArchive = new LinkedHashMap<>();
            byArchive.put("raw", samples(k -> Map.of("v", random.nextInt(1_000_000) / 8.0)));
            parts.add(BatchPart.of(rawVersions.get(t), SampleBatch.validate(RAW, List.copyOf(byArchive.get("raw")
                    .values()), BatchLimits.DEFAULT)));
            if (random.nextInt(4) == 0) {
                byArchive.put("aux", samples(k -> Map.of("s", "s" + random.nextInt(100), "n", random.nextLong())));
                parts.add(BatchPart.of(auxVersions.get(t), SampleBatch.validate(AUX, List.copyOf(byArchive.get("aux")
                        .values()), BatchLimits.DEFAULT)));
            }
            long offset = producer.append(t, new LogRecord.Batch("test", Instant.now(), parts));
            byArchive.forEach((archive, samples) -> {
                Map<String, Map<String, Object>> rows = oracle.computeIfAbsent(t, k -> new ConcurrentHashMap<>())
                        .computeIfAbsent(archive, k -> new TreeMap<>());
                samples.forEach((k, s) -> rows.put(k, s.values()));
            });
            appended.computeIfAbsent(t, k -> new CopyOnWriteArrayList<>()).add(offset);
        }
    }

    private Map<String, Sample> samples(java.util.function.IntFunction<Map<String, Object>> values) {
        Map<String, Sample> samples = new LinkedHashMap<>();
        int size = 1 + random.nextInt(12);
        for (int k = 0; k < size; k++) {
            Sample s = new Sample("r" + random.nextInt(5), T0.plusSeconds(random.nextInt(20)), values.apply(k));
            samples.put(key(s), s);
        }
        return samples;
    }

    /** A BATCH record whose value does not decode, keyed by the tenant. */
    private long appendGarbage(TenantId tenant) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, log.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(log.topic(), null,
                    tenant.value().getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, 1, 2},
                    List.of(new RecordHeader(LogCodec.TYPE_HEADER, "BATCH".getBytes(StandardCharsets.UTF_8)),
                            new RecordHeader(LogCodec.VERSION_HEADER, "1".getBytes(StandardCharsets.UTF_8))));
            return raw.send(r).get(30, java.util.concurrent.TimeUnit.SECONDS).offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long totalAppended() {
        return appended.values().stream().mapToLong(List::size).sum();
    }

    /** Every tenant's position passed its last appended record. */
    private void awaitAllWritten() {
        await("every appended record written", () -> {
            for (Map.Entry<TenantId, List<Long>> e : appended.entrySet()) {
                List<Long> offsets = e.getValue();
                if (store.logWriter().position(e.getKey()).nextOffset() <= offsets.get(offsets.size() - 1)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** The sum over partitions of the offset after each partition's last BATCH. */
    private long endOffsetsOfBatches() {
        Map<Integer, Long> end = new TreeMap<>();
        appended.forEach((t, offsets) -> end.merge(LogPartitions.of(t, PARTITIONS), offsets.get(offsets.size() - 1)
                + 1, Math::max));
        return end.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Whether the writer owns every partition with batches and passed each partition's last batch. */
    private boolean passed(LogWriter w) {
        Map<Integer, LogWriterStatus.Partition> ps = w.status().partitions();
        for (Map.Entry<TenantId, List<Long>> e : appended.entrySet()) {
            LogWriterStatus.Partition p = ps.get(LogPartitions.of(e.getKey(), PARTITIONS));
            List<Long> offsets = e.getValue();
            if (p == null || p.upTo() <= offsets.get(offsets.size() - 1)) {
                return false;
            }
        }
        return true;
    }

    private void assertStoreEqualsOracle() {
        for (TenantId t : TENANTS) {
            for (String archive : List.of("raw", "aux")) {
                Map<String, Map<String, Object>> expected = oracle.getOrDefault(t, Map.of()).getOrDefault(archive,
                        Map.of());
                Map<String, Map<String, Object>> actual = new TreeMap<>();
                for (Sample s : store.archives().read(t, new ReadRequest(archive, List.of(), T0,
                        T0.plusSeconds(3600), 100_000))) {
                    actual.put(key(s), s.values());
                }
                assertThat(actual).as("rows of %s.%s", t, archive).isEqualTo(new TreeMap<>(expected));
            }
        }
    }

    /** For each partition with batches, the CUTs ascend, their upTo never goes back, and the last covers the log. */
    private void awaitCutsCoverTheLog() {
        Map<Integer, Long> end = new TreeMap<>();
        appended.forEach((t, offsets) -> end.merge(LogPartitions.of(t, PARTITIONS), offsets.get(offsets.size() - 1)
                + 1, Math::max));
        for (Map.Entry<Integer, Long> e : end.entrySet()) {
            await("a CUT of partition " + e.getKey() + " covers " + e.getValue(), () -> {
                List<LogRecord.Cut> cuts = cuts(e.getKey());
                return !cuts.isEmpty() && cuts.get(cuts.size() - 1).upTo() >= e.getValue();
            });
            List<LogRecord.Cut> cuts = cuts(e.getKey());
            for (int i = 1; i < cuts.size(); i++) {
                assertThat(cuts.get(i).upTo()).as("cut upTo").isGreaterThanOrEqualTo(cuts.get(i - 1).upTo());
                assertThat(cuts.get(i).cutAt()).isAfterOrEqualTo(cuts.get(i - 1).cutAt());
            }
        }
    }

    /** The partition's CUT records in log order (the reader returns them in offset order). */
    private List<LogRecord.Cut> cuts(int partition) {
        List<LogRecord.Cut> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : LogReader.read(log.bootstrapServers(), log.topic(), partition, 0,
                Long.MAX_VALUE, Duration.ofSeconds(2))) {
            if (seen.add(r.offset()) && "CUT".equals(new String(r.headers().lastHeader(LogCodec.TYPE_HEADER).value(),
                    StandardCharsets.UTF_8)) && LogCodec.decode(r) instanceof LogRecord.Cut c) {
                assertThat(c.upTo()).as("a CUT's upTo is at most its own offset").isLessThanOrEqualTo(r.offset());
                out.add(c);
            }
        }
        return out;
    }

    private static String key(Sample s) {
        return s.rtId() + "@" + s.timestamp();
    }

    private static void await(String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(BOUND).pollInterval(Duration.ofMillis(100)).until(condition::getAsBoolean);
    }

    private static EmbeddedPostgres postgres(int port, Path data) throws IOException {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
