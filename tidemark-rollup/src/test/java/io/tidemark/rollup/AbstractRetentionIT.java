package io.tidemark.rollup;

import static io.tidemark.rollup.TestData.ACME;
import static io.tidemark.rollup.TestData.T0;
import static io.tidemark.rollup.TestData.randomSamples;
import static io.tidemark.rollup.TestData.sample;
import static io.tidemark.rollup.TestData.sums;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.Sample;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.Store;
import io.tidemark.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention through the rollup host against a real store: chunked deletes, never below what a lagging, frozen,
 * FAILED or new rollup still needs, blocked retention made visible, late samples older than the horizon refused, and
 * the oracle check with late data and lagging rollups. Each engine binds it with a thin subclass; time only moves
 * when a test moves the clock.
 */
abstract class AbstractRetentionIT {
    private static final String[] RAW_TAGS = {"tenant", "acme", "archive", Fixture.RAW};
    protected Store store;
    protected MutableClock clock;
    private SimpleMeterRegistry registry;
    private final List<OrchestratorHost> hosts = new ArrayList<>();

    /** A store on a new, empty database, whose clock is {@link #clock}. */
    protected abstract Store newStore();

    @BeforeEach
    void openStore() {
        clock = new MutableClock(T0);
        store = newStore();
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void closeStore() {
        hosts.forEach(OrchestratorHost::stop);
        store.close();
    }

    @Test
    void runOnce_rowsOlderThanRetention_deletedInBoundedChunksOverRounds() {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"))
                .rollup(sums("h1", "m1", "PT1H"));
        f.write(randomSamples(new Random(1), T0, Duration.ofHours(10), 400));
        clock.set(T0.plus(Duration.ofHours(12)));
        store.archives().setRetention(ACME, Fixture.RAW, Duration.ofHours(6));
        OrchestratorHost host = host(new OrchestratorConfig(1440, 100_000), new RetentionConfig(Duration.ofMinutes(30), 2));

        host.runOnce();

        List<AuditEntry> first = audit(Fixture.RAW, AuditKind.RETENTION_RUN);
        assertThat(first).singleElement().satisfies(e -> assertThat(e.message()).contains("2 statements", "PT6H"));
        settle(host);

        Instant horizon = T0.plus(Duration.ofHours(6));
        long expired = f.oracle.samples().stream().filter(s -> s.timestamp().isBefore(horizon)).count();
        assertThat(rawRows()).allSatisfy(s -> assertThat(s.timestamp()).isAfterOrEqualTo(horizon))
                .hasSize(f.oracle.samples().size() - (int) expired);
        assertThat(registry.get("tidemark.retention.rows.deleted").tags(RAW_TAGS).counter().count())
                .isEqualTo(expired);
        assertThat(audit(Fixture.RAW, AuditKind.RETENTION_RUN)).as("6 hours in 30-minute chunks, 2 per round")
                .hasSize(6);
        f.assertConverged("m1");
        f.assertConverged("h1");
        assertThat(audit(Fixture.RAW, AuditKind.RETENTION_BLOCKED)).isEmpty();
    }

    @Test
    void runOnce_frozenRollup_retentionHeldAtItsWatermarkBlockedVisiblyThenResumes() {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1H"));
        f.write(randomSamples(new Random(2), T0, Duration.ofHours(10), 300));
        clock.set(T0.plus(Duration.ofMinutes(200)));
        OrchestratorHost host = host(OrchestratorConfig.DEFAULT, RetentionConfig.DEFAULT);
        host.runOnce();
        assertThat(f.watermark("m1")).isEqualTo(T0.plus(Duration.ofHours(3)));
        new RollupAdmin(store, host.orchestrator(ACME), clock).freeze("m1", "alice");
        clock.set(T0.plus(Duration.ofHours(12)));
        store.archives().setRetention(ACME, Fixture.RAW, Duration.ofHours(4));

        settle(host);
        settle(host);

        Instant heldAt = T0.plus(Duration.ofHours(3));
        assertThat(rawRows()).allSatisfy(s -> assertThat(s.timestamp()).isAfterOrEqualTo(heldAt))
                .hasSize((int) f.oracle.samples().stream().filter(s -> !s.timestamp().isBefore(heldAt)).count());
        RetentionStatus status = Retention.statuses(store, ACME, clock.instant()).get(0);
        assertThat(status.deletableBefore()).isEqualTo(heldAt);
        assertThat(status.blockedBy()).singleElement().satisfies(b -> {
            assertThat(b.rollup()).isEqualTo("m1");
            assertThat(b.reason()).contains("frozen", heldAt.toString());
        });
        assertThat(audit(Fixture.RAW, AuditKind.RETENTION_BLOCKED)).as("once, not every round").singleElement()
                .satisfies(e -> assertThat(e.message()).contains("'m1' (frozen"));
        assertThat(registry.get("tidemark.retention.blocked").tags(RAW_TAGS).gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("tidemark.retention.behind.seconds").tags(RAW_TAGS).gauge().value())
                .isEqualTo(5 * 3600.0);

        new RollupAdmin(store, host.orchestrator(ACME), clock).unfreeze("m1", "alice");
        settle(host);

        f.assertConverged("m1");
        assertThat(rawRows()).allSatisfy(s -> assertThat(s.timestamp()).isAfterOrEqualTo(T0.plus(Duration.ofHours(8))));
        assertThat(audit(Fixture.RAW, AuditKind.RETENTION_UNBLOCKED)).singleElement();
        assertThat(registry.get("tidemark.retention.blocked").tags(RAW_TAGS).gauge().value()).isZero();
    }

    @Test
    void runOnce_failedRollupOrOneWithoutWatermark_holdsRetention() {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        f.createdOnly(sums("fresh", Fixture.RAW, "PT1H"));
        f.write(randomSamples(new Random(3), T0, Duration.ofHours(6), 100));
        clock.set(T0.plus(Duration.ofHours(3)));
        store.archives().setRetention(ACME, Fixture.RAW, Duration.ofHours(1));
        OrchestratorHost host = host(OrchestratorConfig.DEFAULT, RetentionConfig.DEFAULT);

        settle(host);

        assertThat(rawRows()).hasSize(f.oracle.samples().size());
        assertThat(Retention.statuses(store, ACME, clock.instant()).get(0).blockedBy())
                .extracting(RetentionStatus.Blocker::rollup, RetentionStatus.Blocker::neededFrom)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("fresh", null));

        store.archives().deleteArchive(ACME, "fresh");
        store.rollups().setStatus(f.id("m1"), RollupStatus.FAILED);
        Instant watermark = f.watermark("m1");
        clock.advance(Duration.ofHours(5));
        settle(host);

        assertThat(f.watermark("m1")).isEqualTo(watermark);
        assertThat(rawRows()).allSatisfy(s -> assertThat(s.timestamp()).isAfterOrEqualTo(watermark)).isNotEmpty();
        assertThat(Retention.statuses(store, ACME, clock.instant()).get(0).blockedBy()).singleElement()
                .satisfies(b -> assertThat(b.reason()).startsWith("FAILED"));
    }

    @Test
    void write_sampleOlderThanRetention_refusedWithTheHorizon() {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        clock.set(T0.plus(Duration.ofDays(8)));
        store.archives().setRetention(ACME, Fixture.RAW, Duration.ofDays(7));
        Instant old = T0.plus(Duration.ofDays(1)).minusSeconds(1);

        assertThatThrownBy(() -> f.write(List.of(sample("a", old, 1), sample("b", old.plusSeconds(2), 2))))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_BATCH);
                    assertThat(e.errors()).singleElement().satisfies(r -> assertThat(r.toString())
                            .contains("row 1", "'a'", "older than the archive's retention PT168H"));
                });
        assertThat(rawRows()).isEmpty();
    }

    @Test
    void rewind_belowTheSourcesRetentionHorizon_refused() {
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"));
        f.write(randomSamples(new Random(4), T0, Duration.ofHours(6), 50));
        clock.set(T0.plus(Duration.ofHours(7)));
        OrchestratorHost host = host(OrchestratorConfig.DEFAULT, RetentionConfig.DEFAULT);
        settle(host);
        store.archives().setRetention(ACME, Fixture.RAW, Duration.ofHours(5));

        assertThatThrownBy(() -> host.orchestrator(ACME).rewindWatermark(f.id("m1"), T0.plusSeconds(3600)))
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REWIND);
                    assertThat(e.getMessage()).contains("keeps rows for PT5H", "rewind to " + T0.plus(Duration.ofHours(2)));
                });
        host.orchestrator(ACME).rewindWatermark(f.id("m1"), T0.plus(Duration.ofHours(2)));
    }

    /**
     * raw (retention 6 h, late samples up to the horizon) → m1 (1 minute, retention 12 h) → h1 (1 hour, forever),
     * with rollups that lag (small budgets), h1 frozen for a stretch, and retention running every round. After
     * catch-up every h1 bucket equals the oracle over the whole history, every m1 and raw row kept equals it, and
     * nothing within a retention was deleted.
     */
    @Test
    void runOnce_lateDataLaggingRollupsAndRetention_rollupsEqualTheOracleAfterCatchUp() {
        long seed = 42;
        Random rnd = new Random(seed);
        Fixture f = TestData.simple(store, ACME).rollup(sums("m1", Fixture.RAW, "PT1M"))
                .rollup(sums("h1", "m1", "PT1H"));
        f.context = "seed " + seed + ": ";
        store.archives().setRetention(ACME, Fixture.RAW, Duration.ofHours(6));
        store.archives().setRetention(ACME, "m1", Duration.ofHours(12));
        OrchestratorHost host = host(new OrchestratorConfig(20, 90), new RetentionConfig(Duration.ofMinutes(20), 3));
        RollupAdmin admin = new RollupAdmin(store, host.orchestrator(ACME), clock);
        int refused = 0;
        for (int hour = 0; hour < 72; hour++) {
            clock.set(T0.plus(Duration.ofHours(hour + 1)));
            Instant now = clock.instant();
            f.write(randomSamples(rnd, now.minus(Duration.ofHours(1)), Duration.ofHours(1), 20));
            Instant horizon = now.minus(Duration.ofHours(6));
            Instant lateFrom = horizon.isBefore(T0) ? T0 : horizon;
            f.write(TestData.lateBatch(rnd, f.oracle, lateFrom, now, 1 + rnd.nextInt(8)).stream()
                    .filter(s -> !s.timestamp().isBefore(lateFrom)).toList());
            if (hour > 6 && tryWrite(f, sample("old", horizon.minusSeconds(1 + rnd.nextInt(3600)), 1))) {
                throw new AssertionError(f.context + "a sample older than the retention was accepted");
            }
            refused += hour > 6 ? 1 : 0;
            if (hour == 20) {
                admin.freeze("h1", "test");
            }
            if (hour == 40) {
                admin.unfreeze("h1", "test");
            }
            host.runOnce();
        }
        clock.advance(Duration.ofHours(2));
        settle(host);

        assertThat(refused).isPositive();
        f.assertConverged("h1");
        Instant now = clock.instant();
        assertKept(f, "m1", now.minus(Duration.ofHours(12)));
        Map<Oracle.Key, Sample> raw = new TreeMap<>();
        f.oracle.samples().forEach(s -> raw.put(new Oracle.Key(s.timestamp(), s.rtId()), s));
        Instant rawHorizon = now.minus(Duration.ofHours(6));
        assertThat(rawRows()).extracting(s -> new Oracle.Key(s.timestamp(), s.rtId()))
                .as("%sraw rows kept", f.context)
                .containsExactlyElementsOf(raw.keySet().stream().filter(k -> !k.timestamp().isBefore(rawHorizon)).toList());
        assertThat(audit("m1", AuditKind.RETENTION_RUN)).isNotEmpty();
        assertThat(audit(Fixture.RAW, AuditKind.RETENTION_RUN)).isNotEmpty();
        assertThat(audit("m1", AuditKind.RETENTION_BLOCKED)).as("h1 frozen held m1's retention").isNotEmpty();
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** Every row of the rollup equals the oracle, and every oracle bucket from {@code keptFrom} on is there. */
    private static void assertKept(Fixture f, String rollup, Instant keptFrom) {
        Map<Oracle.Key, Map<String, Object>> actual = f.rows(rollup);
        Map<Oracle.Key, Map<String, Object>> expected = new TreeMap<>(f.oracle.expected(rollup));
        expected.keySet().removeIf(k -> !actual.containsKey(k) && k.timestamp().isBefore(keptFrom));
        f.assertRows(rollup, actual, expected);
    }

    private static boolean tryWrite(Fixture f, Sample s) {
        try {
            f.write(List.of(s));
            return true;
        } catch (BatchRejectedException e) {
            assertThat(e.getMessage()).contains("older than the archive's retention PT6H");
            return false;
        }
    }

    private OrchestratorHost host(OrchestratorConfig config, RetentionConfig retention) {
        OrchestratorHost host = OrchestratorHost.builder(store).clock(clock).config(config).retention(retention)
                .meterRegistry(registry).build();
        hosts.add(host);
        return host;
    }

    /** Rounds until one commits no bucket and deletes no row. */
    private void settle(OrchestratorHost host) {
        for (int i = 0; i < 1000; i++) {
            double before = deleted();
            if (host.runOnce() == 0 && deleted() == before) {
                return;
            }
        }
        throw new AssertionError("still working after 1000 rounds");
    }

    private double deleted() {
        return registry.find("tidemark.retention.rows.deleted").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    private List<Sample> rawRows() {
        return store.archives().read(ACME, new ReadRequest(Fixture.RAW, List.of(), T0.minus(Duration.ofDays(1)),
                T0.plus(Duration.ofDays(400)), ReadRequest.MAX_LIMIT));
    }

    private List<AuditEntry> audit(String subject, AuditKind kind) {
        return TestData.audit(store, ACME, subject, kind);
    }
}
