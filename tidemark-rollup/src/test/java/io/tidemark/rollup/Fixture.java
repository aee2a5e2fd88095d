package io.tidemark.rollup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.RollupState;
import io.tidemark.store.Store;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** One tenant of a real store with a raw archive, its rollups, and the {@link Oracle} fed the same writes. */
final class Fixture {
    static final String RAW = "raw";
    private static final Instant READ_FROM = Instant.parse("1800-01-01T00:00:00Z");
    private static final double RELATIVE = 1e-9;

    final Store store;
    final TenantId tenant;
    final Oracle oracle;
    /** Prefixed to assertion messages: the seed and whatever else reproduces a failure. */
    String context = "";

    Fixture(Store store, TenantId tenant) {
        this(store, tenant, new Oracle(RAW));
        store.createTenant(tenant);
    }

    /** Another view of an existing tenant (e.g. through a reopened store) with the oracle fed so far. */
    Fixture(Store store, TenantId tenant, Oracle oracle) {
        this.store = store;
        this.tenant = tenant;
        this.oracle = oracle;
    }

    Fixture raw(List<Column> columns) {
        store.archives().createArchive(tenant, ArchiveDefinition.raw(RAW, columns));
        store.archives().activateArchive(tenant, RAW);
        return this;
    }

    /** Creates and activates the rollup. */
    Fixture rollup(RollupDefinition def) {
        store.archives().createRollupArchive(tenant, def);
        store.archives().activateArchive(tenant, def.name());
        oracle.rollup(def);
        return this;
    }

    /** Creates the rollup and leaves it CREATED. */
    Fixture createdOnly(RollupDefinition def) {
        store.archives().createRollupArchive(tenant, def);
        oracle.rollup(def);
        return this;
    }

    Fixture write(List<Sample> batch) {
        store.archives().write(tenant, RAW, batch);
        oracle.write(batch);
        return this;
    }

    RollupId id(String rollup) {
        return new RollupId(tenant, rollup);
    }

    RollupState state(String rollup) {
        return store.rollups().rollup(id(rollup)).state();
    }

    Instant watermark(String rollup) {
        return state(rollup).watermark();
    }

    /** The rollup's rows below its watermark, keyed by (bucket start, rtId). */
    Map<Oracle.Key, Map<String, Object>> rows(String rollup) {
        Instant watermark = watermark(rollup);
        Map<Oracle.Key, Map<String, Object>> out = new TreeMap<>();
        if (watermark == null) {
            return out;
        }
        List<Sample> read = store.archives().read(tenant,
                new ReadRequest(rollup, List.of(), READ_FROM, watermark, ReadRequest.MAX_LIMIT));
        for (Sample s : read) {
            Object previous = out.put(new Oracle.Key(s.timestamp(), s.rtId()), s.values());
            assertThat(previous).as("%s%s: duplicate row %s %s", context, rollup, s.timestamp(), s.rtId()).isNull();
        }
        return out;
    }

    /** Every bucket below the rollup's watermark equals the oracle's GROUP BY, and nothing is left uncommitted. */
    void assertConverged(String rollup) {
        assertThat(watermark(rollup)).as("%s%s: watermark", context, rollup).isNotNull();
        assertRows(rollup, rows(rollup), oracle.expected(rollup));
    }

    void assertRows(String rollup, Map<Oracle.Key, Map<String, Object>> actual,
            Map<Oracle.Key, Map<String, Object>> expected) {
        assertThat(actual.keySet()).as("%s%s: (bucket, rtId) groups", context, rollup)
                .containsExactlyElementsOf(expected.keySet());
        expected.forEach((key, row) -> row.forEach((column, value) -> {
            Object got = actual.get(key).get(column);
            if (!same(value, got)) {
                fail("%s%s: bucket %s rtId %s column %s: expected %s but was %s", context, rollup, key.timestamp(),
                        key.rtId(), column, value, got);
            }
        }));
    }

    static boolean same(Object expected, Object actual) {
        if (expected == null || actual == null) {
            return expected == actual;
        }
        if (expected instanceof Instant t) {
            return t.equals(instant(actual));
        }
        double e = ((Number) expected).doubleValue();
        double a = number(actual);
        return Math.abs(e - a) <= RELATIVE * Math.max(1.0, Math.max(Math.abs(e), Math.abs(a)));
    }

    private static double number(Object v) {
        if (v instanceof BigDecimal d) {
            return d.doubleValue();
        }
        return ((Number) v).doubleValue();
    }

    /** A timestamp as a store returns it, whatever Java type its driver chose. */
    static Instant instant(Object v) {
        Objects.requireNonNull(v);
        if (v instanceof Instant t) {
            return t;
        }
        if (v instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        if (v instanceof LocalDateTime l) {
            return l.toInstant(ZoneOffset.UTC);
        }
        if (v instanceof Timestamp ts) {
            return ts.toInstant();
        }
        throw new AssertionError("unexpected timestamp type " + v.getClass() + ": " + v);
    }
}
