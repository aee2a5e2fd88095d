package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ArchiveStatus;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.Bucket;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour every store provider must have; each engine binds it with a thin {@code *IT} subclass. */
public abstract class StoreContract {
    protected static final TenantId T = TenantId.of("acme");
    protected static final Instant T0 = Instant.parse("2024-03-31T00:00:00Z");
    protected Store store;

    /** A new store on an empty database. */
    protected abstract Store newStore();

    /** Closes {@code store} and opens the same database again. */
    protected abstract Store reopen(Store store);

    /** With the store closed, records a newer metadata schema version directly in the database. */
    protected abstract void recordSchemaVersion(int version) throws Exception;

    /**
     * Behind the store's back, makes the archive's table refuse rows with this rtId inside a transaction (a check
     * constraint), so a write fails after other parts of its transaction ran. Engines that cannot abort the test.
     */
    protected void refuseRtIdBehindTheStoresBack(String archive, String rtId) throws Exception {
        org.junit.jupiter.api.Assumptions.abort("this engine cannot add a constraint behind the store's back");
    }

    @BeforeEach
    void open() {
        store = newStore();
        store.createTenant(T);
    }

    @AfterEach
    void close() {
        store.close();
    }

    protected ArchiveDefinition sensors() {
        return ArchiveDefinition.raw("sensors", List.of(Column.of("temp", ColumnType.DOUBLE),
                Column.of("count", ColumnType.BIGINT), Column.of("ok", ColumnType.BOOLEAN),
                Column.of("note", ColumnType.VARCHAR)));
    }

    protected void createActive(ArchiveDefinition def) {
        store.archives().createArchive(T, def);
        store.archives().activateArchive(T, def.name());
    }

    protected static Sample sample(String rtId, Instant t, double temp) {
        return new Sample(rtId, t, Map.of("temp", temp));
    }

    private List<Sample> readAll(String archive) {
        return store.archives().read(T, new ReadRequest(archive, List.of(), Instant.parse("1900-01-01T00:00:00Z"),
                Instant.parse("2199-01-01T00:00:00Z"), 100_000));
    }

    @Test
    void open_metadataSchemaNewerThanCode_refusedNamingBothVersions() throws Exception {
        store.close();
        recordSchemaVersion(99);
        assertThatThrownBy(() -> store = reopen(store)).isInstanceOfSatisfying(TidemarkException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.STORE_ERROR);
            assertThat(e.getMessage()).contains("v99", "newer", "upgrade Tidemark");
        });
    }

    @Test
    void open_twice_keepsDataAndSchemaVersion() {
        createActive(sensors());
        store.archives().write(T, "sensors", List.of(sample("a", T0, 1)));
        store = reopen(store);
        store = reopen(store);
        assertThat(readAll("sensors")).hasSize(1);
    }

    @Test
    void createTenant_twice_isIdempotentAndListed() {
        store.createTenant(T);
        store.createTenant(TenantId.of("beta"));
        assertThat(store.tenants()).containsExactly(T, TenantId.of("beta"));
    }

    @Test
    void write_allTypes_readBackEqual() {
        createActive(sensors());
        Map<String, Object> v = new HashMap<>();
        v.put("temp", 21.5);
        v.put("count", 7L);
        v.put("ok", true);
        v.put("note", "a \"quoted\", comma\nline");
        Instant t = T0.plusNanos(123_456_000);
        int n = store.archives().write(T, "sensors", List.of(new Sample("m-1", t, v),
                new Sample("m-2", t, Map.of())));
        assertThat(n).isEqualTo(2);
        List<Sample> rows = readAll("sensors");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).rtId()).isEqualTo("m-1");
        assertThat(rows.get(0).timestamp()).isEqualTo(t);
        assertThat(rows.get(0).values()).isEqualTo(v);
        assertThat(rows.get(1).values()).containsEntry("temp", null).containsEntry("note", null);
    }

    @Test
    void write_resentSample_replacesStoredOne() {
        createActive(sensors());
        store.archives().write(T, "sensors", List.of(sample("a", T0, 1), sample("b", T0, 2)));
        store.archives().write(T, "sensors", List.of(sample("a", T0, 10), sample("a", T0, 11)));
        List<Sample> rows = readAll("sensors");
        assertThat(rows).extracting(s -> s.values().get("temp")).containsExactly(11.0, 2.0);
    }

    @Test
    void write_twoWritersSameFreshKeysConcurrently_bothSucceedAndEachKeyIsStoredOnce() throws Exception {
        createActive(sensors());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                Instant base = T0.plusSeconds(round * 10_000L);
                List<java.util.concurrent.Future<Integer>> writes = new ArrayList<>();
                for (int writer = 0; writer < 2; writer++) {
                    List<Sample> batch = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        batch.add(sample("m" + (i % 50), base.plusSeconds(i / 50), writer));
                    }
                    writes.add(pool.submit(() -> store.archives().write(T, "sensors", batch)));
                }
                for (java.util.concurrent.Future<Integer> w : writes) {
                    assertThat(w.get()).isEqualTo(500);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(readAll("sensors")).hasSize(5000);
    }

    @Test
    void write_batchOverlappingStoredRange_upsertsOnlyItsOwnKeys() {
        createActive(sensors());
        store.archives().write(T, "sensors", List.of(sample("a", T0, 1), sample("a", T0.plusSeconds(10), 2)));
        store.archives().write(T, "sensors", List.of(sample("b", T0.plusSeconds(5), 3), sample("a", T0, 4)));
        assertThat(readAll("sensors")).extracting(x -> x.rtId() + "@" + x.values().get("temp"))
                .containsExactly("a@4.0", "b@3.0", "a@2.0");
    }

    @Test
    void write_oneBadRow_rejectsBatchAndWritesNothing() {
        createActive(sensors());
        store.archives().write(T, "sensors", List.of(sample("a", T0, 1)));
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            batch.add(sample("r" + i, T0.plusSeconds(i), i));
        }
        batch.set(41, new Sample("x", T0, Map.of("temp", "hot")));
        assertThatThrownBy(() -> store.archives().write(T, "sensors", batch))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> {
                    assertThat(e.errors()).hasSize(1);
                    assertThat(e.errors().get(0).row()).isEqualTo(42);
                    assertThat(e.errors().get(0).column()).isEqualTo("temp");
                    assertThat(e.getMessage()).contains("row 42", "temp", "expected DOUBLE");
                });
        assertThat(readAll("sensors")).hasSize(1);
    }

    @Test
    void write_unknownColumnNaNAndLongRtId_eachNamed() {
        createActive(sensors());
        List<Sample> batch = List.of(new Sample("a", T0, Map.of("pressure", 1.0)),
                new Sample("b", T0, Map.of("temp", Double.NaN)), new Sample("c".repeat(129), T0, Map.of()),
                new Sample("", T0, Map.of()), new Sample("d", Instant.parse("2300-01-01T00:00:00Z"), Map.of()));
        assertThatThrownBy(() -> store.archives().write(T, "sensors", batch))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> assertThat(e.errors())
                        .extracting(BatchRejectedException.RowError::column)
                        .containsExactly("pressure", "temp", "rtId", "rtId", "timestamp"));
        assertThat(readAll("sensors")).isEmpty();
    }

    @Test
    void write_archiveNotActivated_refused() {
        store.archives().createArchive(T, sensors());
        assertThatThrownBy(() -> store.archives().write(T, "sensors", List.of(sample("a", T0, 1))))
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE);
                    assertThat(e.getMessage()).contains("CREATED", "activate");
                });
    }

    @Test
    void archive_otherTenant_isNotFound() {
        createActive(sensors());
        TenantId other = TenantId.of("other");
        store.createTenant(other);
        assertThat(store.archives().archive(other, "sensors")).isEmpty();
        assertThatThrownBy(() -> store.archives().write(other, "sensors", List.of(sample("a", T0, 1))))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void createArchive_duplicateName_alreadyExists() {
        store.archives().createArchive(T, sensors());
        assertThatThrownBy(() -> store.archives().createArchive(T, sensors()))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.ALREADY_EXISTS));
    }

    @Test
    void lifecycle_activateDisableDelete() {
        store.archives().createArchive(T, sensors());
        assertThatThrownBy(() -> store.archives().disableArchive(T, "sensors"))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_STATE));
        assertThat(store.archives().activateArchive(T, "sensors").status()).isEqualTo(ArchiveStatus.ACTIVATED);
        assertThat(store.archives().disableArchive(T, "sensors").status()).isEqualTo(ArchiveStatus.DISABLED);
        assertThat(store.archives().activateArchive(T, "sensors").status()).isEqualTo(ArchiveStatus.ACTIVATED);
        store.archives().deleteArchive(T, "sensors");
        assertThat(store.archives().archives(T)).isEmpty();
        store.archives().createArchive(T, sensors());
        assertThat(store.archives().archives(T)).hasSize(1);
    }

    private RollupPlan minuteRollup() {
        createActive(sensors());
        return store.archives().createRollupArchive(T, RollupDefinition.builder("sensors_1m").source("sensors")
                .bucket("PT1M").aggregate(AggregateFunction.COUNT, null, "n")
                .aggregate(AggregateFunction.AVG, "temp", "temp_avg")
                .aggregate(AggregateFunction.FIRST, "temp", "temp_first")
                .aggregate(AggregateFunction.LAST, "temp", "temp_last")
                .aggregate(AggregateFunction.MAX, "note", "note_max").build());
    }

    @Test
    void delete_sourceOfRollup_refusedInUse() {
        minuteRollup();
        assertThatThrownBy(() -> store.archives().deleteArchive(T, "sensors"))
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.IN_USE);
                    assertThat(e.getMessage()).contains("sensors_1m");
                });
    }

    @Test
    void createRollupArchive_unknownSource_refused() {
        assertThatThrownBy(() -> store.archives().createRollupArchive(T, RollupDefinition.builder("r")
                .source("nope").bucket("PT1M").aggregate(AggregateFunction.COUNT, null, "n").build()))
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_SOURCE);
                    assertThat(e.getMessage()).contains("nope");
                });
    }

    @Test
    void rollup_definitionAndStateSurviveReopen() {
        minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        store.archives().activateArchive(T, "sensors_1m");
        assertThat(store.rollups().compareAndSetWatermark(id, null, T0)).isTrue();
        store = reopen(store);
        RollupInfo info = store.rollups().rollup(id);
        assertThat(info.state().status()).isEqualTo(RollupStatus.ACTIVATED);
        assertThat(info.state().watermark()).isEqualTo(T0);
        assertThat(info.plan().definition().aggregations()).hasSize(5);
        assertThat(info.plan().target().columns()).extracting(Column::name).containsExactly("n", "temp_avg__sum",
                "temp_avg__count", "temp_first", "temp_first__ts", "temp_last", "temp_last__ts", "note_max");
    }

    @Test
    void compareAndSetWatermark_staleExpectation_false() {
        minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        assertThat(store.rollups().compareAndSetWatermark(id, null, T0)).isTrue();
        assertThat(store.rollups().compareAndSetWatermark(id, null, T0.plusSeconds(60))).isFalse();
        assertThat(store.rollups().compareAndSetWatermark(id, T0, T0.plusSeconds(60))).isTrue();
        assertThat(store.rollups().rollup(id).state().watermark()).isEqualTo(T0.plusSeconds(60));
    }

    @Test
    void recordFailure_reachesMax_failedThenRetryResets() {
        minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        store.archives().activateArchive(T, "sensors_1m");
        assertThat(store.rollups().recordFailure(id, "boom 1", 2).status()).isEqualTo(RollupStatus.ACTIVATED);
        RollupState failed = store.rollups().recordFailure(id, "boom 2", 2);
        assertThat(failed.status()).isEqualTo(RollupStatus.FAILED);
        assertThat(failed.consecutiveFailures()).isEqualTo(2);
        assertThat(failed.lastError()).isEqualTo("boom 2");
        store.rollups().setStatus(id, RollupStatus.ACTIVATED);
        RollupState retried = store.rollups().rollup(id).state();
        assertThat(retried.consecutiveFailures()).isZero();
        assertThat(retried.lastError()).isNull();
    }

    /** The documented decision (docs/rollups.md): a success clears lastError together with the failure count. */
    @Test
    void recordSuccess_afterFailure_clearsLastErrorAndFailures() {
        minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        store.archives().activateArchive(T, "sensors_1m");
        store.rollups().recordFailure(id, "STORE_ERROR: a store statement failed (error id 0123456789ab)", 5);

        store.rollups().recordSuccess(id, T0);

        RollupState s = store.rollups().rollup(id).state();
        assertThat(s.consecutiveFailures()).isZero();
        assertThat(s.lastError()).isNull();
        assertThat(s.lastSuccessAt()).isEqualTo(T0);
    }

    /** Publishing an aggregate is one transaction: the compare-and-set records the success with the watermark. */
    @Test
    void compareAndSetWatermark_withSuccessTime_recordsSuccessInTheSameUpdate() {
        minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        store.archives().activateArchive(T, "sensors_1m");
        store.rollups().recordFailure(id, "boom", 5);

        assertThat(store.rollups().compareAndSetWatermark(id, null, T0, T0.plusSeconds(5))).isTrue();
        assertThat(store.rollups().compareAndSetWatermark(id, T0, T0.plusSeconds(60), T0.plusSeconds(65))).isTrue();

        RollupState s = store.rollups().rollup(id).state();
        assertThat(s.watermark()).isEqualTo(T0.plusSeconds(60));
        assertThat(s.consecutiveFailures()).isZero();
        assertThat(s.lastError()).isNull();
        assertThat(s.lastSuccessAt()).isEqualTo(T0.plusSeconds(65));
    }

    @Test
    void state_isTheRollupsStateAlone_unknownOrRawArchive_notFound() {
        minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        store.rollups().compareAndSetWatermark(id, null, T0);
        store.rollups().recordFailure(id, "boom", 5);

        assertThat(store.rollups().state(id)).isEqualTo(store.rollups().rollup(id).state());
        for (String name : List.of("nope", "sensors")) {
            assertThatThrownBy(() -> store.rollups().state(new RollupId(T, name))).isInstanceOfSatisfying(
                    TidemarkException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
                        assertThat(e.getMessage()).isEqualTo("rollup '" + name + "' does not exist in tenant '"
                                + T + "'");
                    });
        }
    }

    @Test
    void compareAndSetWatermark_withSuccessTime_staleExpectation_changesNothing() {
        minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        store.archives().activateArchive(T, "sensors_1m");
        assertThat(store.rollups().compareAndSetWatermark(id, null, T0)).isTrue();
        store.rollups().recordFailure(id, "boom", 5);

        assertThat(store.rollups().compareAndSetWatermark(id, null, T0.plusSeconds(60), T0)).isFalse();

        RollupState s = store.rollups().rollup(id).state();
        assertThat(s.watermark()).isEqualTo(T0);
        assertThat(s.consecutiveFailures()).isEqualTo(1);
        assertThat(s.lastError()).isEqualTo("boom");
        assertThat(s.lastSuccessAt()).isNull();
    }

    @Test
    void aggregate_fixedBuckets_matchesExpectedAndReplaces() {
        RollupPlan plan = minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        store.archives().write(T, "sensors", List.of(sample("a", T0.plusSeconds(10), 1),
                sample("a", T0.plusSeconds(50), 3), sample("b", T0.plusSeconds(70), 5),
                new Sample("a", T0.plusSeconds(20), Map.of("note", "z"))));
        List<Instant> b = Bucket.parse("PT1M").boundaries(T0, T0.plusSeconds(180), 10);
        AggregateResult r = store.rollups().aggregate(new AggregateRequest(id, plan, b, null));
        assertThat(r.applied()).isTrue();
        assertThat(r.rows()).isEqualTo(2);
        List<Sample> rows = readAll("sensors_1m");
        assertThat(rows).hasSize(2);
        Map<String, Object> a = rows.get(0).values();
        assertThat(rows.get(0).timestamp()).isEqualTo(T0);
        assertThat(a).containsEntry("n", 3L).containsEntry("temp_avg__sum", 4.0).containsEntry("temp_avg__count", 2L)
                .containsEntry("temp_first", 1.0).containsEntry("temp_first__ts", T0.plusSeconds(10))
                .containsEntry("temp_last", 3.0).containsEntry("temp_last__ts", T0.plusSeconds(50))
                .containsEntry("note_max", "z");
        assertThat(rows.get(1).timestamp()).isEqualTo(T0.plusSeconds(60));

        // The source changes: "b" leaves the second minute, so re-aggregating removes its row.
        store.archives().write(T, "sensors", List.of(sample("a", T0.plusSeconds(10), 100)));
        store.archives().deleteArchive(T, "sensors_1m");
        assertThat(store.archives().archives(T)).hasSize(1);
    }

    @Test
    void aggregate_rerun_replacesBucketAndDropsVanishedRows() {
        RollupPlan plan = minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        store.archives().write(T, "sensors", List.of(sample("a", T0.plusSeconds(10), 1)));
        List<Instant> b = List.of(T0, T0.plusSeconds(60));
        store.rollups().aggregate(new AggregateRequest(id, plan, b, null));
        store.rollups().aggregate(new AggregateRequest(id, plan, b, null));
        assertThat(readAll("sensors_1m")).hasSize(1).first()
                .satisfies(s -> assertThat(s.values()).containsEntry("n", 1L));
    }

    @Test
    void aggregate_watermarkMoved_notApplied() {
        RollupPlan plan = minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        store.rollups().compareAndSetWatermark(id, null, T0);
        AggregateResult r = store.rollups().aggregate(new AggregateRequest(id, plan,
                List.of(T0, T0.plusSeconds(60)), null));
        assertThat(r.applied()).isFalse();
    }

    @Test
    void aggregate_calendarDayOverDstChange_usesLocalDays() {
        createActive(sensors());
        RollupPlan plan = store.archives().createRollupArchive(T, RollupDefinition.builder("sensors_1d")
                .source("sensors").bucket(Bucket.parse("DAY", "Europe/Vienna"))
                .aggregate(AggregateFunction.COUNT, "temp", "n").aggregate(AggregateFunction.SUM, "temp", "s")
                .build());
        // 2024-03-31 in Vienna: starts 2024-03-30T23:00Z, lasts 23 hours, ends 2024-03-31T22:00Z.
        Instant dayStart = Instant.parse("2024-03-30T23:00:00Z");
        Instant dayEnd = Instant.parse("2024-03-31T22:00:00Z");
        store.archives().write(T, "sensors", List.of(sample("a", dayStart.minusSeconds(1), 1),
                sample("a", dayStart, 2), sample("a", dayEnd.minusSeconds(1), 3), sample("a", dayEnd, 4)));
        List<Instant> b = plan.definition().bucket().boundaries(dayStart.minusSeconds(3600), dayEnd.plusSeconds(7200), 5);
        assertThat(b).contains(dayStart, dayEnd);
        store.rollups().aggregate(new AggregateRequest(new RollupId(T, "sensors_1d"), plan, b, null));
        List<Sample> rows = readAll("sensors_1d");
        assertThat(rows).extracting(Sample::timestamp).containsExactly(dayStart.minusSeconds(3600 * 24), dayStart,
                dayEnd);
        assertThat(rows.get(1).values()).containsEntry("n", 2L).containsEntry("s", 5.0);
    }

    @Test
    void writeBatches_twoArchivesAndRepeatedKeys_oneTransactionLaterBatchWins() {
        createActive(sensors());
        createActive(ArchiveDefinition.raw("meters", List.of(Column.of("temp", ColumnType.DOUBLE))));
        ArchiveDefinition sensors = store.archives().requireArchive(T, "sensors").definition();
        ArchiveDefinition meters = store.archives().requireArchive(T, "meters").definition();
        int n = store.archives().write(T, List.of(
                SampleBatch.validate(sensors, List.of(sample("a", T0, 1), sample("b", T0, 2)), BatchLimits.DEFAULT),
                SampleBatch.validate(meters, List.of(sample("m", T0, 7)), BatchLimits.DEFAULT),
                SampleBatch.validate(sensors, List.of(sample("a", T0, 10)), BatchLimits.DEFAULT)));
        assertThat(n).isEqualTo(3);
        assertThat(readAll("sensors")).extracting(s -> s.values().get("temp")).containsExactly(10.0, 2.0);
        assertThat(readAll("meters")).extracting(s -> s.values().get("temp")).containsExactly(7.0);
    }

    @Test
    void writeBatches_oneBatchBelowTheRetentionHorizon_nothingWrittenInAnyArchive() {
        createActive(sensors());
        createActive(ArchiveDefinition.raw("meters", List.of(Column.of("temp", ColumnType.DOUBLE))));
        store.archives().setRetention(T, "meters", java.time.Duration.ofDays(1));
        ArchiveDefinition sensors = store.archives().requireArchive(T, "sensors").definition();
        ArchiveDefinition meters = store.archives().requireArchive(T, "meters").definition();
        Instant old = Instant.now().minus(java.time.Duration.ofDays(3));
        assertThatThrownBy(() -> store.archives().write(T, List.of(
                SampleBatch.validate(sensors, List.of(sample("a", T0, 1)), BatchLimits.DEFAULT),
                SampleBatch.validate(meters, List.of(sample("m", old, 7)), BatchLimits.DEFAULT))))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_BATCH));
        assertThat(readAll("sensors")).isEmpty();
        assertThat(readAll("meters")).isEmpty();
    }

    @Test
    void writeBatches_secondArchiveFailsInsideTheTransaction_firstRolledBack() throws Exception {
        createActive(sensors());
        createActive(ArchiveDefinition.raw("meters", List.of(Column.of("temp", ColumnType.DOUBLE))));
        refuseRtIdBehindTheStoresBack("meters", "boom");
        ArchiveDefinition sensors = store.archives().requireArchive(T, "sensors").definition();
        ArchiveDefinition meters = store.archives().requireArchive(T, "meters").definition();
        assertThatThrownBy(() -> store.archives().write(T, List.of(
                SampleBatch.validate(sensors, List.of(sample("a", T0, 1)), BatchLimits.DEFAULT),
                SampleBatch.validate(meters, List.of(sample("boom", T0, 7)), BatchLimits.DEFAULT))))
                .isInstanceOf(TidemarkException.class);
        assertThat(readAll("sensors")).isEmpty();
        assertThat(readAll("meters")).isEmpty();
    }

    @Test
    void archiveStats_emptyThenWritten_exactCountAndSpan() {
        createActive(sensors());
        assertThat(store.archives().archiveStats(T, "sensors")).isEqualTo(new ArchiveStats(0, false, null, null));
        store.archives().write(T, "sensors", List.of(sample("a", T0.plusSeconds(5), 1), sample("b", T0, 2),
                sample("a", T0.plusSeconds(3600), 3)));
        store.archives().write(T, "sensors", List.of(sample("a", T0.plusSeconds(5), 4)));
        assertThat(store.archives().archiveStats(T, "sensors"))
                .isEqualTo(new ArchiveStats(3, false, T0, T0.plusSeconds(3600)));
    }

    @Test
    void archiveStats_aboveTheExactBound_countedOrEstimatedNeverBelowTheBound() {
        createActive(sensors());
        int total = (int) ArchiveStore.EXACT_COUNT_UP_TO + 20_000;
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            batch.add(sample("m" + (i % 100), T0.plusSeconds(i / 100), i));
            if (batch.size() == 40_000 || i == total - 1) {
                store.archives().write(T, "sensors", batch);
                batch = new ArrayList<>();
            }
        }
        ArchiveStats stats = store.archives().archiveStats(T, "sensors");
        assertThat(stats.earliest()).isEqualTo(T0);
        assertThat(stats.latest()).isEqualTo(T0.plusSeconds((total - 1) / 100));
        if (stats.rowsEstimated()) {
            assertThat(stats.rows()).isGreaterThan(ArchiveStore.EXACT_COUNT_UP_TO);
        } else {
            assertThat(stats.rows()).isEqualTo(total);
        }
    }

    @Test
    void archiveStats_unknownArchive_notFound() {
        assertThatThrownBy(() -> store.archives().archiveStats(T, "nope"))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void firstSourceTimestamp_findsEarliestInRange() {
        RollupPlan plan = minuteRollup();
        RollupId id = new RollupId(T, "sensors_1m");
        assertThat(store.rollups().firstSourceTimestamp(id, plan, T0, T0.plusSeconds(3600))).isEmpty();
        store.archives().write(T, "sensors", List.of(sample("a", T0.plusSeconds(500), 1),
                sample("a", T0.plusSeconds(900), 1)));
        assertThat(store.rollups().firstSourceTimestamp(id, plan, T0.plusSeconds(501), T0.plusSeconds(3600)))
                .contains(T0.plusSeconds(900));
    }

    @Test
    void audit_appendAndQuery_newestFirstWithFiltersAndPaging() {
        for (int i = 0; i < 5; i++) {
            store.audit().append(AuditEntry.of(T, T0.plusSeconds(i), i % 2 == 0 ? AuditKind.ROLLUP_RUN
                    : AuditKind.ROLLUP_FAILURE, "r" + (i % 2), "orchestrator", "entry " + i));
        }
        store.audit().append(AuditEntry.of(TenantId.of("other"), T0, AuditKind.ROLLUP_RUN, "r0", "x", "hidden"));
        List<AuditEntry> page1 = store.audit().query(AuditQuery.latest(T, 2));
        assertThat(page1).extracting(AuditEntry::message).containsExactly("entry 4", "entry 3");
        List<AuditEntry> page2 = store.audit().query(AuditQuery.latest(T, 2).after(page1.get(1).id()));
        assertThat(page2).extracting(AuditEntry::message).containsExactly("entry 2", "entry 1");
        assertThat(store.audit().query(AuditQuery.latest(T, 10).withKinds(Set.of(AuditKind.ROLLUP_FAILURE))))
                .extracting(AuditEntry::message).containsExactly("entry 3", "entry 1");
        assertThat(store.audit().query(AuditQuery.latest(T, 10).withSubject("r0")
                .withRange(T0.plusSeconds(1), T0.plusSeconds(4)))).extracting(AuditEntry::message)
                .containsExactly("entry 2");
    }

    private static final String HASH_A = "a".repeat(64);
    private static final String HASH_B = "b".repeat(64);

    @Test
    void tokens_createLookupListRevoke_onlyValidHashesFound() {
        TokenInfo created = store.tokens().create(new TokenGrant("t1", T, "ci", io.tidemark.core.Role.WRITER,
                HASH_A, T0));
        assertThat(created.revokedAt()).isNull();
        assertThat(store.tokens().lookup(HASH_A)).contains(created);
        assertThat(store.tokens().lookup(HASH_B)).isEmpty();
        store.createTenant(TenantId.of("beta"));
        store.tokens().create(new TokenGrant("t2", TenantId.of("beta"), "ops", io.tidemark.core.Role.ADMIN,
                HASH_B, T0.plusSeconds(1)));
        assertThat(store.tokens().list(T)).extracting(TokenInfo::id).containsExactly("t1");
        assertThat(store.tokens().list(null)).extracting(TokenInfo::id).containsExactly("t1", "t2");

        TokenInfo revoked = store.tokens().revoke("t1", T0.plusSeconds(5));
        assertThat(revoked.revokedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(store.tokens().lookup(HASH_A)).isEmpty();
        assertThat(store.tokens().revoke("t1", T0.plusSeconds(9)).revokedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(store.tokens().lookup(HASH_B)).map(TokenInfo::role).contains(io.tidemark.core.Role.ADMIN);
    }

    @Test
    void tokens_unknownTenantOrTakenHashOrUnknownId_refusedWithCodes() {
        store.tokens().create(new TokenGrant("t1", T, "ci", io.tidemark.core.Role.READER, HASH_A, T0));
        assertThatThrownBy(() -> store.tokens().create(new TokenGrant("t9", TenantId.of("nobody"), "x",
                io.tidemark.core.Role.READER, HASH_B, T0))).isInstanceOfSatisfying(TidemarkException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> store.tokens().create(new TokenGrant("t2", T, "x", io.tidemark.core.Role.READER,
                HASH_A, T0))).isInstanceOfSatisfying(TidemarkException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
        assertThatThrownBy(() -> store.tokens().revoke("nope", T0)).isInstanceOfSatisfying(
                TidemarkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void tokens_reopen_survive() {
        store.tokens().create(new TokenGrant("t1", T, "ci", io.tidemark.core.Role.ADMIN, HASH_A, T0));
        store = reopen(store);
        assertThat(store.tokens().lookup(HASH_A)).map(TokenInfo::tenant).contains(T);
    }
}
