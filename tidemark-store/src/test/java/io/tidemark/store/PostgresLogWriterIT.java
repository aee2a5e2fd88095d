package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.testing.MutableClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store side of the cluster's log writer on PostgreSQL (issue 15; docs/scale-out.md, "Writers: log → store,
 * exactly once"): the per-tenant position's compare-and-set fences replays, racing writers and zombies; batches the
 * store refuses after acknowledgement are recorded exactly once; maxLateness counts from the acceptance instant.
 */
class PostgresLogWriterIT {
    private static final TenantId T = TenantId.of("acme");
    private static final Instant T0 = Instant.parse("2024-03-31T00:00:00Z");
    private static final ArchiveDefinition RAW = ArchiveDefinition.raw("raw", List.of(Column.of("v",
            ColumnType.DOUBLE)));
    private static final int PARTITION = 3;

    private final MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(2)));
    private String url;
    private Store store;

    @BeforeEach
    void open() {
        url = TestStores.postgresDatabase();
        store = TestStores.open(url, clock);
        store.createTenant(T);
        store.archives().createArchive(T, RAW);
        store.archives().activateArchive(T, "raw");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void position_newTenant_isStart() {
        assertThat(store.logWriter().position(T)).isEqualTo(LogPosition.START);
    }

    @Test
    void write_sameRecordsTwice_writtenOnceAndTheReplayMovedWritingNothing() {
        List<LogBatch> records = List.of(record(0, sample("a", 1, 1)), record(2, sample("a", 1, 2), sample("b", 1, 3)));
        LogWrite write = LogWrite.of(T, PARTITION, 0, 3, records);

        LogWriteResult first = store.logWriter().write(write);
        store.archives().write(T, "raw", List.of(sample("a", 1, 99)));
        LogWriteResult replay = store.logWriter().write(write);

        assertThat(first).isEqualTo(new LogWriteResult.Written(new LogPosition(PARTITION, 3), 2, List.of()));
        assertThat(replay).isEqualTo(new LogWriteResult.Moved(new LogPosition(PARTITION, 3)));
        assertThat(values()).containsExactly(Map.entry("a@1", 99.0), Map.entry("b@1", 3.0));
        assertThat(store.logWriter().position(T)).isEqualTo(new LogPosition(PARTITION, 3));
    }

    /** Writer A read position 0 and stalled; B, the partition's new owner, wrote [0, 10); A wakes up. */
    @Test
    void write_zombieWithAStalePosition_writesNothing() {
        LogPosition readByA = store.logWriter().position(T);
        List<LogBatch> log = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            log.add(record(i, sample("k", i % 3, i)));
        }
        assertThat(store.logWriter().write(LogWrite.of(T, PARTITION, 0, 10, log)))
                .isInstanceOf(LogWriteResult.Written.class);
        Map<String, Double> afterB = values();

        LogWriteResult zombie = store.logWriter().write(LogWrite.of(T, PARTITION, readByA.nextOffset(), 4,
                log.subList(0, 4)));

        assertThat(zombie).isEqualTo(new LogWriteResult.Moved(new LogPosition(PARTITION, 10)));
        assertThat(values()).isEqualTo(afterB).containsEntry("k@0", 9.0);
    }

    /**
     * Two writers replay one log of 200 records into one tenant, each in chunks of its own sizes, re-reading the
     * position when fenced: the ranges committed tile [0, 200) exactly once, and the stored rows equal every record
     * applied once, in log order (records overwrite each other's keys, so a record applied twice or out of order
     * would show).
     */
    @Test
    void write_twoWritersRacing_eachRecordAppliedOnceInOrder() throws Exception {
        int n = 200;
        List<LogBatch> log = new ArrayList<>();
        Map<String, Double> oracle = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            Sample s = sample("k" + i % 7, i % 11, i);
            log.add(record(i, s));
            oracle.put("k" + i % 7 + "@" + i % 11, (double) i);
        }
        List<long[]> committed = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> writers = List.of(pool.submit(() -> replay(log, n, new Random(1), committed)),
                    pool.submit(() -> replay(log, n, new Random(2), committed)));
            int fenced = 0;
            for (Future<Integer> f : writers) {
                fenced += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(fenced).as("the writers met each other").isPositive();
        } finally {
            pool.shutdownNow();
        }

        List<long[]> ranges = new ArrayList<>(committed);
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        long next = 0;
        for (long[] r : ranges) {
            assertThat(r[0]).as("committed ranges tile the log").isEqualTo(next);
            next = r[1];
        }
        assertThat(next).isEqualTo(n);
        assertThat(values()).isEqualTo(oracle);
    }

    /** One writer: from the position, chunks of 1-15 records until the end; returns how often it was fenced. */
    private int replay(List<LogBatch> log, int end, Random random, List<long[]> committed) {
        int fenced = 0;
        long at = store.logWriter().position(T).nextOffset();
        while (at < end) {
            long to = Math.min(end, at + 1 + random.nextInt(15));
            LogWriteResult r = store.logWriter().write(LogWrite.of(T, PARTITION, at, to,
                    log.subList((int) at, (int) to)));
            if (r instanceof LogWriteResult.Moved moved) {
                fenced++;
                at = moved.current().nextOffset();
                continue;
            }
            committed.add(new long[] {at, to});
            at = to;
        }
        return fenced;
    }

    /**
     * Between validation and the write: archive {@code gone} deleted, {@code off} disabled, {@code again} deleted and
     * created again with the same columns, {@code kept}'s retention set below the batch. Each batch is refused on
     * its own with its reason; the others in the transaction are written; the position moves past everything; the
     * rejections and their audit entries are recorded once, a replay adding none.
     */
    @Test
    void write_archivesChangedSinceValidation_refusesThoseBatchesAloneAndRecordsThemOnce() {
        for (String a : List.of("gone", "off", "again", "kept")) {
            store.archives().createArchive(T, ArchiveDefinition.raw(a, RAW.columns()));
            store.archives().activateArchive(T, a);
        }
        List<LogBatch> records = new ArrayList<>();
        long offset = 10;
        for (String a : List.of("raw", "gone", "off", "again", "kept")) {
            ArchiveInfo info = store.archives().requireArchive(T, a);
            records.add(new LogBatch(offset++, SampleBatch.validate(info.definition(), List.of(sample("x", 10, 1),
                    sample("y", 20, 2)), BatchLimits.DEFAULT), info.version(), clock.instant()));
        }
        store.archives().deleteArchive(T, "gone");
        store.archives().disableArchive(T, "off");
        store.archives().deleteArchive(T, "again");
        store.archives().createArchive(T, ArchiveDefinition.raw("again", RAW.columns()));
        store.archives().activateArchive(T, "again");
        store.archives().setRetention(T, "kept", Duration.ofHours(1));
        LogWrite write = LogWrite.of(T, PARTITION, 0, 20, records);

        LogWriteResult result = store.logWriter().write(write);
        LogWriteResult replay = store.logWriter().write(write);

        assertThat(result).isInstanceOfSatisfying(LogWriteResult.Written.class, w -> {
            assertThat(w.samples()).isEqualTo(2);
            assertThat(w.position()).isEqualTo(new LogPosition(PARTITION, 20));
            assertThat(w.rejected()).extracting(LogRejection::offset, LogRejection::archive, LogRejection::reason)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(11L, "gone", LogRejectReason.NOT_FOUND),
                            org.assertj.core.groups.Tuple.tuple(12L, "off", LogRejectReason.NOT_ACTIVATED),
                            org.assertj.core.groups.Tuple.tuple(13L, "again", LogRejectReason.RECREATED),
                            org.assertj.core.groups.Tuple.tuple(14L, "kept", LogRejectReason.RETENTION));
        });
        assertThat(replay).isInstanceOf(LogWriteResult.Moved.class);
        assertThat(values()).containsOnlyKeys("x@10", "y@20");
        for (String a : List.of("off", "again", "kept")) {
            assertThat(store.archives().read(T, new ReadRequest(a, List.of(), T0, T0.plusSeconds(3600), 10)))
                    .as(a).isEmpty();
        }
        List<LogRejection> stored = store.logWriter().rejections(T, 0, 100);
        assertThat(stored).isEqualTo(((LogWriteResult.Written) result).rejected());
        assertThat(stored).allSatisfy(r -> {
            assertThat(r.samples()).isEqualTo(2);
            assertThat(r.from()).isEqualTo(T0.plusSeconds(10));
            assertThat(r.to()).isEqualTo(T0.plusSeconds(20));
        });
        List<AuditEntry> audit = store.audit().query(AuditQuery.latest(T, 100).withKinds(Set.of(
                AuditKind.LOG_REJECTED)));
        assertThat(audit).extracting(AuditEntry::subject).containsExactlyInAnyOrder("gone", "off", "again", "kept");
        assertThat(audit).allSatisfy(e -> assertThat(e.message()).contains("2 samples",
                "[" + T0.plusSeconds(10) + ", " + T0.plusSeconds(20) + "]"));
        assertThat(audit).anySatisfy(e -> assertThat(e.message()).contains("offset 13", "recreated"));
    }

    /**
     * A record of two parts (one request over two archives) shares one offset: both parts written when both
     * archives take them; refused together, and recorded once, when one archive is gone.
     */
    @Test
    void write_recordOfTwoParts_writtenOrRefusedWhole() {
        ArchiveDefinition aux = ArchiveDefinition.raw("aux", List.of(Column.of("v", ColumnType.DOUBLE)));
        store.archives().createArchive(T, aux);
        ArchiveInfo auxInfo = store.archives().activateArchive(T, "aux");
        LogBatch auxPart = new LogBatch(0, SampleBatch.validate(aux, List.of(sample("z", 1, 7)), BatchLimits.DEFAULT),
                auxInfo.version(), clock.instant());
        LogWriteResult both = store.logWriter().write(LogWrite.of(T, PARTITION, 0, 1, List.of(record(0,
                sample("a", 1, 1)), auxPart)));
        store.archives().deleteArchive(T, "aux");
        LogBatch goneAux = new LogBatch(1, auxPart.batch(), auxPart.archiveVersion(), auxPart.acceptedAt());
        LogWriteResult refused = store.logWriter().write(LogWrite.of(T, PARTITION, 1, 2, List.of(record(1,
                sample("b", 1, 2), sample("c", 2, 3)), goneAux)));

        assertThat(both).isEqualTo(new LogWriteResult.Written(new LogPosition(PARTITION, 1), 2, List.of()));
        assertThat(values()).containsOnlyKeys("a@1");
        assertThat(refused).isInstanceOf(LogWriteResult.Written.class);
        List<LogRejection> rejections = store.logWriter().rejections(T, 0, 10);
        assertThat(rejections).hasSize(1);
        assertThat(rejections.get(0).offset()).isEqualTo(1);
        assertThat(rejections.get(0).reason()).isEqualTo(LogRejectReason.NOT_FOUND);
        assertThat(rejections.get(0).samples()).isEqualTo(3);
        assertThat(rejections.get(0).from()).isEqualTo(T0.plusSeconds(1));
        assertThat(rejections.get(0).to()).isEqualTo(T0.plusSeconds(2));
        assertThat(((LogWriteResult.Written) refused).rejected()).isEqualTo(rejections);
    }

    /** The writer's own rejection (a record it cannot read) is recorded with the batches in one transaction. */
    @Test
    void write_writersOwnRejection_recordedWithTheBatches() {
        LogRejection unreadable = new LogRejection(1, "raw", LogRejectReason.UNREADABLE, 0, null, null,
                "not a BATCH record");
        LogWriteResult r = store.logWriter().write(new LogWrite(T, PARTITION, 0, 3, List.of(record(2,
                sample("a", 1, 1))), List.of(unreadable)));

        assertThat(r).isEqualTo(new LogWriteResult.Written(new LogPosition(PARTITION, 3), 1, List.of(unreadable)));
        assertThat(store.logWriter().rejections(T, 0, 10)).containsExactly(unreadable);
    }

    /**
     * maxLateness 10 minutes; a sample 5 minutes older than its batch's acceptance instant, below the rollup's
     * watermark, written three hours after acceptance: its bucket is marked stale, nothing LATE_SKIPPED. The same
     * sample written directly now (by the store's clock) would be skipped, as the control shows.
     */
    @Test
    void write_lateSampleWithinMaxLatenessOfItsAcceptance_isMarkedNotSkipped() {
        store.archives().createRollupArchive(T, RollupDefinition.builder("m1").source("raw").bucket("PT1M")
                .aggregate(AggregateFunction.SUM, "v", "s").build());
        store.archives().activateArchive(T, "m1");
        store.archives().setMaxLateness(T, "raw", Duration.ofMinutes(10));
        List<Sample> onTime = new ArrayList<>();
        for (int m = 0; m < 60; m++) {
            onTime.add(sample("a", m * 60, m));
        }
        store.archives().write(T, "raw", onTime);
        RollupId m1 = new RollupId(T, "m1");
        RollupPlan plan = store.rollups().rollup(m1).plan();
        assertThat(store.rollups().aggregate(new AggregateRequest(m1, plan, plan.definition().bucket()
                .boundaries(T0, minutes(60), 1000), null)).applied()).isTrue();
        assertThat(store.rollups().compareAndSetWatermark(m1, null, minutes(60))).isTrue();
        ArchiveInfo raw = store.archives().requireArchive(T, "raw");
        clock.set(minutes(35).plus(Duration.ofHours(3)));

        LogWriteResult r = store.logWriter().write(LogWrite.of(T, PARTITION, 0, 1, List.of(new LogBatch(0,
                SampleBatch.validate(raw.definition(), List.of(sample("b", 30 * 60, 5)), BatchLimits.DEFAULT),
                raw.version(), minutes(35)))));

        assertThat(r).isInstanceOf(LogWriteResult.Written.class);
        assertThat(store.rollups().staleRanges(m1)).extracting(StaleRange::from, StaleRange::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(minutes(30), minutes(31)));
        assertThat(lateSkipped()).isEmpty();

        store.archives().write(T, "raw", List.of(sample("c", 40 * 60, 5)));
        assertThat(lateSkipped()).as("the control: the store's clock skips it").hasSize(1);
    }

    /** The tenant's SQL reader sees neither log table, even past the guard; the archive list does not name them. */
    @Test
    void tenantSql_logTables_notReadable() {
        store.logWriter().write(LogWrite.of(T, PARTITION, 0, 1, List.of(record(0, sample("a", 1, 1)))));

        for (String table : List.of("_log_position", "_log_rejects")) {
            SqlStatementException e = catchThrowableOfType(SqlStatementException.class, () -> {
                try (SqlRows rows = store.sql().query(T, new SqlQuery("SELECT * FROM \"acme\".\"" + table + "\"",
                        List.of(), Duration.ofSeconds(10), 10))) {
                    rows.next();
                }
            });
            assertThat(e).as(table).isNotNull();
            assertThat(e.sqlState()).as(table).isEqualTo(SqlStatementException.INSUFFICIENT_PRIVILEGE);
        }
        try (SqlRows rows = store.sql().query(T, new SqlQuery("SELECT count(*) FROM \"acme\".\"raw\"", List.of(),
                Duration.ofSeconds(10), 10))) {
            assertThat(rows.next()).as("the reader still reads the archives").isTrue();
        }
        assertThat(store.archives().archives(T)).extracting(ArchiveInfo::name).containsExactly("raw");
    }

    @Test
    void write_positionOfAnotherPartition_invalidState() {
        store.logWriter().write(LogWrite.of(T, PARTITION, 0, 1, List.of(record(0, sample("a", 1, 1)))));

        TidemarkException e = catchThrowableOfType(TidemarkException.class, () -> store.logWriter().write(
                LogWrite.of(T, PARTITION + 1, 1, 2, List.of(record(1, sample("a", 2, 1))))));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(e.getMessage()).contains("partition " + PARTITION, "partition count changed");
        assertThat(values()).containsOnlyKeys("a@1");
    }

    /** A v3 store's tenant (no log tables, no v4 row) gets them at the next open, hidden from its reader. */
    @Test
    void open_v3StoreWithATenant_migratesItsLogTables() throws SQLException {
        store.close();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("DROP TABLE \"acme\".\"_log_position\", \"acme\".\"_log_rejects\"");
            s.execute("DELETE FROM tidemark.schema_version WHERE version = 4");
        }
        store = TestStores.open(url, clock);

        assertThat(store.logWriter().position(T)).isEqualTo(LogPosition.START);
        assertThat(catchThrowableOfType(SqlStatementException.class, () -> {
            try (SqlRows rows = store.sql().query(T, new SqlQuery("SELECT * FROM \"acme\".\"_log_position\"",
                    List.of(), Duration.ofSeconds(10), 10))) {
                rows.next();
            }
        }).sqlState()).isEqualTo(SqlStatementException.INSUFFICIENT_PRIVILEGE);
    }

    @Test
    void logWriter_onDuckDb_invalidState(@TempDir Path dir) {
        try (Store duck = TestStores.duckDb(dir)) {
            TidemarkException e = catchThrowableOfType(TidemarkException.class, duck::logWriter);

            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE);
            assertThat(e.getMessage()).contains("cluster mode needs PostgreSQL");
        }
    }

    @Test
    void join_afterWrites_positionArchivesAndRowsFromTheFloorOfOneSnapshot() {
        store.archives().createArchive(T, ArchiveDefinition.raw("other", List.of(Column.of("n", ColumnType.BIGINT))));
        store.logWriter().write(LogWrite.of(T, PARTITION, 0, 5, List.of(record(1, sample("a", 10, 1)),
                record(4, sample("a", 100, 2), sample("b", 200, 3)))));

        LogJoin j = store.logWriter().join(T, a -> a.name().equals("raw") ? T0.plusSeconds(100) : null, 10);

        assertThat(j.position()).isEqualTo(new LogPosition(PARTITION, 5));
        assertThat(j.archives()).extracting(ArchiveInfo::name).containsExactly("raw", "other");
        assertThat(j.rows()).containsOnlyKeys("raw");
        assertThat(j.rows().get("raw")).extracting(Sample::rtId, x -> x.timestamp().getEpochSecond()
                - T0.getEpochSecond()).containsExactly(org.assertj.core.groups.Tuple.tuple("a", 100L),
                        org.assertj.core.groups.Tuple.tuple("b", 200L));
        assertThat(store.logWriter().join(T, a -> T0, 1).rows().get("raw")).as("at most the limit, oldest first")
                .extracting(Sample::rtId).containsExactly("a");
        // c silent since before the floor: its newest row comes first, its older one not at all.
        store.archives().write(T, "raw", List.of(sample("c", 5, 4), sample("c", 50, 5)));
        assertThat(store.logWriter().join(T, a -> T0.plusSeconds(100), 10).rows().get("raw"))
                .extracting(Sample::rtId, x -> x.timestamp().getEpochSecond() - T0.getEpochSecond())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("c", 50L),
                        org.assertj.core.groups.Tuple.tuple("a", 100L), org.assertj.core.groups.Tuple.tuple("b", 200L));
    }

    private List<AuditEntry> lateSkipped() {
        return store.audit().query(AuditQuery.latest(T, 10).withKinds(Set.of(AuditKind.LATE_SKIPPED)));
    }

    private LogBatch record(long offset, Sample... samples) {
        ArchiveInfo raw = store.archives().requireArchive(T, "raw");
        return new LogBatch(offset, SampleBatch.validate(raw.definition(), List.of(samples), BatchLimits.DEFAULT),
                raw.version(), clock.instant());
    }

    /** The raw archive's rows as {@code rtId@seconds → v}. */
    private Map<String, Double> values() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Sample s : store.archives().read(T, new ReadRequest("raw", List.of(), T0, T0.plus(Duration.ofDays(1)),
                10_000))) {
            out.put(s.rtId() + "@" + (s.timestamp().getEpochSecond() - T0.getEpochSecond()),
                    ((Number) s.values().get("v")).doubleValue());
        }
        return new TreeMap<>(out);
    }

    private static Sample sample(String rtId, long seconds, double v) {
        return new Sample(rtId, T0.plusSeconds(seconds), Map.of("v", v));
    }

    private static Instant minutes(long m) {
        return T0.plus(Duration.ofMinutes(m));
    }
}
