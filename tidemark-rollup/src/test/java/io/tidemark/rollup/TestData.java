package io.tidemark.rollup;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Bucket;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.store.AuditEntry;
import io.tidemark.store.AuditKind;
import io.tidemark.store.AuditQuery;
import io.tidemark.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Small archives, rollups and samples for the behaviour tests. */
final class TestData {
    static final TenantId ACME = TenantId.of("acme");
    static final TenantId GLOBEX = TenantId.of("globex");
    static final Instant T0 = Instant.parse("2024-03-30T00:00:00Z");

    private TestData() {}

    /** A tenant with a raw archive of one DOUBLE column {@code v}. */
    static Fixture simple(Store store, TenantId tenant) {
        return new Fixture(store, tenant).raw(List.of(Column.of("v", ColumnType.DOUBLE)));
    }

    /** SUM, COUNT(*), AVG and LAST of {@code v} over raw, re-aggregated over a rollup; no watermark lag. */
    static RollupDefinition sums(String name, String source, String bucket) {
        RollupDefinition.Builder b = RollupDefinition.builder(name).source(source).bucket(Bucket.parse(bucket))
                .watermarkLag(Duration.ZERO);
        if (source.equals(Fixture.RAW)) {
            return b.aggregate(AggregateFunction.SUM, "v", "s").aggregate(AggregateFunction.COUNT, null, "n")
                    .aggregate(AggregateFunction.AVG, "v", "a").aggregate(AggregateFunction.LAST, "v", "l").build();
        }
        return b.aggregate(AggregateFunction.SUM, "s", "s").aggregate(AggregateFunction.SUM, "n", "n")
                .aggregate(AggregateFunction.AVG, "a", "a").aggregate(AggregateFunction.LAST, "l", "l").build();
    }

    static Sample sample(String rtId, Instant timestamp, double v) {
        return Sample.of(rtId, timestamp, Map.of("v", v));
    }

    static Sample sample(String rtId, String timestamp, double v) {
        return sample(rtId, Instant.parse(timestamp), v);
    }

    /** {@code n} samples of rtIds r0..r2 at random microseconds in {@code [from, from + span)}. */
    static List<Sample> randomSamples(Random rnd, Instant from, Duration span, int n) {
        List<Sample> out = new ArrayList<>();
        long micros = span.toSeconds() * 1_000_000L;
        for (int i = 0; i < n; i++) {
            Instant t = from.plusNanos(Math.floorMod(rnd.nextLong(), micros) * 1_000L);
            out.add(sample("r" + rnd.nextInt(3), t, Math.round(rnd.nextDouble() * 1e5) / 100.0));
        }
        return out;
    }

    /**
     * A late batch of {@code n} samples in {@code [from, to)} shaped like the oracle's: a third new keys at random
     * microseconds, a third re-sends of stored keys with new values, a third identical re-sends. Values of each
     * column are numbers of the stored sample's type, or null.
     */
    static List<Sample> lateBatch(Random rnd, Oracle oracle, Instant from, Instant to, int n) {
        List<Sample> stored = oracle.samples();
        stored.sort(java.util.Comparator.comparing(Sample::timestamp).thenComparing(Sample::rtId));
        List<Sample> out = new ArrayList<>();
        long micros = Math.max(1, java.time.Duration.between(from, to).toNanos() / 1000);
        for (int i = 0; i < n && !stored.isEmpty(); i++) {
            Sample like = stored.get(rnd.nextInt(stored.size()));
            int kind = rnd.nextInt(3);
            if (kind == 2) {
                out.add(like);
                continue;
            }
            Instant t = kind == 0 ? from.plusNanos(Math.floorMod(rnd.nextLong(), micros) * 1000) : like.timestamp();
            if (!t.isBefore(to)) {
                continue;
            }
            Map<String, Object> values = new java.util.HashMap<>();
            like.values().forEach((k, v) -> values.put(k, rnd.nextInt(10) == 0 ? null : changed(rnd, v)));
            out.add(Sample.of(like.rtId(), t, values));
        }
        return out;
    }

    private static Object changed(Random rnd, Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Long) {
            return (long) rnd.nextInt(-100_000, 100_000);
        }
        return Math.round(rnd.nextDouble() * 2e6 - 1e6) / 1000.0;
    }

    /** Ticks until a tick commits nothing; with one orchestrator that means every due bucket is committed. */
    static int tickUntilIdle(RollupOrchestrator o) {
        int total = 0;
        for (int i = 0; i < 10_000; i++) {
            int n = o.tick();
            total += n;
            if (n == 0) {
                return total;
            }
        }
        throw new AssertionError("still committing after 10 000 ticks");
    }

    /** The tenant's audit entries of one kind, newest first; {@code subject} null for all. */
    static List<AuditEntry> audit(Store store, TenantId tenant, String subject, AuditKind kind) {
        return store.audit().query(AuditQuery.latest(tenant, AuditQuery.MAX_LIMIT).withSubject(subject)
                .withKinds(Set.of(kind)));
    }
}
