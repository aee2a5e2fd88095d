package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention at the store: the setting and its migration, the refusal of samples older than the horizon, and the
 * bounded delete that never goes below what a direct dependant still needs. Each engine binds it with a thin subclass.
 */
public abstract class RetentionContract {
    protected static final TenantId T = TenantId.of("acme");
    protected static final Instant T0 = Instant.parse("2024-03-31T00:00:00Z");
    private static final RollupId M1 = new RollupId(T, "m1");
    private static final Duration SPAN = Duration.ofMinutes(30);

    protected final MutableClock clock = new MutableClock(T0.plus(Duration.ofDays(1)));
    protected Store store;
    private RollupPlan m1;

    protected abstract Store newStore(Clock clock);

    protected abstract Store reopen(Store store, Clock clock);

    @BeforeEach
    void open() {
        store = newStore(clock);
        store.createTenant(T);
        store.archives().createArchive(T, ArchiveDefinition.raw("raw", List.of(Column.of("v", ColumnType.DOUBLE))));
        store.archives().activateArchive(T, "raw");
        m1 = store.archives().createRollupArchive(T, RollupDefinition.builder("m1").source("raw").bucket("PT1H")
                .aggregate(AggregateFunction.SUM, "v", "s").build());
        store.archives().activateArchive(T, "m1");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void setRetention_rawAndRollup_keptAcrossReopenAndClearedByNull() {
        store.archives().setRetention(T, "raw", Duration.ofDays(7));
        ArchiveInfo m = store.archives().setRetention(T, "m1", Duration.ofDays(90));

        assertThat(m.retention()).isEqualTo(Duration.ofDays(90));
        assertThat(m.status()).isEqualTo(io.tidemark.core.ArchiveStatus.ACTIVATED);
        store = reopen(store, clock);
        assertThat(store.archives().requireArchive(T, "raw").retention()).isEqualTo(Duration.ofDays(7));
        assertThat(store.archives().archives(T)).extracting(ArchiveInfo::retention)
                .containsExactly(Duration.ofDays(7), Duration.ofDays(90));
        assertThat(store.archives().setRetention(T, "raw", null).retention()).isNull();
        assertThat(store.archives().requireArchive(T, "raw").retention()).isNull();
    }

    @Test
    void setRetention_notPositiveOrUnknownArchive_refused() {
        assertThatThrownBy(() -> store.archives().setRetention(T, "raw", Duration.ZERO))
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("positive", "PT0S");
                });
        assertThatThrownBy(() -> store.archives().setRetention(T, "nope", Duration.ofDays(1)))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void write_sampleOlderThanRetention_refusedNamingTheRowAndNothingWritten() {
        store.archives().setRetention(T, "raw", Duration.ofHours(2));
        Instant horizon = clock.instant().minus(Duration.ofHours(2));
        Instant old = horizon.minusMillis(1);
        List<Sample> batch = List.of(sample("ok", horizon, 1), sample("late", old, 2));

        assertThatThrownBy(() -> store.archives().write(T, "raw", batch))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_BATCH);
                    assertThat(e.errors()).singleElement().satisfies(r -> {
                        assertThat(r.row()).isEqualTo(2);
                        assertThat(r.reason()).contains("'late'", old.toString(),
                                "older than the archive's retention PT2H", horizon.toString());
                    });
                });
        assertThat(read("raw")).isEmpty();
        assertThat(store.archives().write(T, "raw", List.of(sample("ok", horizon, 1)))).isEqualTo(1);
    }

    @Test
    void deleteExpired_belowDependantsWatermark_deletesInChunksUpToItsBucket() {
        write(T0, Duration.ofHours(6), Duration.ofMinutes(5));
        publish(T0, T0.plus(Duration.ofHours(3)));
        clock.set(T0.plus(Duration.ofDays(30)));

        List<RetentionResult> calls = deleteAll(T0.plus(Duration.ofHours(5)));

        assertThat(calls).hasSizeGreaterThan(1).allSatisfy(r -> {
            assertThat(r.bound()).isEqualTo(T0.plus(Duration.ofHours(3)));
            assertThat(Duration.between(r.from(), r.to())).isLessThanOrEqualTo(SPAN);
        });
        assertThat(calls.stream().mapToLong(RetentionResult::rows).sum()).isEqualTo(36);
        assertThat(read("raw")).allSatisfy(s -> assertThat(s.timestamp()).isAfterOrEqualTo(T0.plus(Duration.ofHours(3))))
                .hasSize(36);
        assertThat(store.archives().deleteExpired(request("raw", T0.plus(Duration.ofHours(5)))))
                .isEqualTo(RetentionResult.nothing(T0.plus(Duration.ofHours(3))));
    }

    @Test
    void deleteExpired_watermarkInsideABucket_keepsTheWholeBucket() {
        write(T0, Duration.ofHours(6), Duration.ofMinutes(5));
        publish(T0, T0.plus(Duration.ofHours(3)));

        List<RetentionResult> calls = deleteAll(T0.plus(Duration.ofMinutes(150)));

        assertThat(calls.get(0).bound()).as("the horizon floored to m1's hour").isEqualTo(T0.plus(Duration.ofHours(2)));
        assertThat(read("raw")).hasSize(48);
    }

    @Test
    void deleteExpired_dependantWithoutWatermark_deletesNothing() {
        write(T0, Duration.ofHours(2), Duration.ofMinutes(5));

        RetentionResult r = store.archives().deleteExpired(request("raw", T0.plus(Duration.ofHours(2))));

        assertThat(r).isEqualTo(RetentionResult.nothing(null));
        assertThat(read("raw")).hasSize(24);
    }

    @Test
    void deleteExpired_staleRangeBelowWatermark_keepsItsRows() {
        write(T0, Duration.ofHours(6), Duration.ofMinutes(5));
        publish(T0, T0.plus(Duration.ofHours(5)));
        store.archives().write(T, "raw", List.of(sample("late", T0.plus(Duration.ofMinutes(70)), 9)));
        assertThat(store.rollups().staleRanges(M1)).isNotEmpty();

        deleteAll(T0.plus(Duration.ofHours(5)));

        assertThat(read("raw")).allSatisfy(s -> assertThat(s.timestamp()).isAfterOrEqualTo(T0.plus(Duration.ofHours(1))))
                .hasSize(61);
    }

    @Test
    void deleteExpired_rollupArchiveWithoutDependants_deletesItsOldBuckets() {
        write(T0, Duration.ofHours(6), Duration.ofMinutes(5));
        publish(T0, T0.plus(Duration.ofHours(6)));

        deleteAll("m1", T0.plus(Duration.ofHours(4)));

        assertThat(read("m1")).extracting(Sample::timestamp)
                .containsExactly(T0.plus(Duration.ofHours(4)), T0.plus(Duration.ofHours(5)));
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private List<RetentionResult> deleteAll(Instant before) {
        return deleteAll("raw", before);
    }

    private List<RetentionResult> deleteAll(String archive, Instant before) {
        List<RetentionResult> out = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            RetentionResult r = store.archives().deleteExpired(request(archive, before));
            out.add(r);
            if (!r.more()) {
                return out;
            }
        }
        throw new AssertionError("still deleting after 1000 calls");
    }

    private static RetentionRequest request(String archive, Instant before) {
        return new RetentionRequest(T, archive, before, SPAN);
    }

    /** One sample of rtId {@code r} every {@code step} in {@code [from, from + span)}. */
    private void write(Instant from, Duration span, Duration step) {
        List<Sample> batch = new ArrayList<>();
        for (Instant t = from; t.isBefore(from.plus(span)); t = t.plus(step)) {
            batch.add(sample("r", t, 1));
        }
        store.archives().write(T, "raw", batch);
    }

    private List<Sample> read(String archive) {
        return store.archives().read(T, new ReadRequest(archive, List.of(), T0.minus(Duration.ofDays(1)),
                T0.plus(Duration.ofDays(400)), ReadRequest.MAX_LIMIT));
    }

    /** Aggregates {@code [from, to)} of m1 and moves its watermark there, as the orchestrator would. */
    private void publish(Instant from, Instant to) {
        Instant watermark = store.rollups().rollup(M1).state().watermark();
        List<Instant> b = m1.definition().bucket().boundaries(from, to, 100_000);
        assertThat(store.rollups().aggregate(new AggregateRequest(M1, m1, b, watermark)).applied()).isTrue();
        assertThat(store.rollups().compareAndSetWatermark(M1, watermark, to)).isTrue();
    }

    private static Sample sample(String rtId, Instant t, double v) {
        return Sample.of(rtId, t, Map.of("v", v));
    }
}
