package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.core.Role;
import io.tidemark.core.Sample;
import io.tidemark.core.TenantId;
import io.tidemark.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-tenant transaction contract (issue 15; docs/scale-out.md, "Store scale-out on paper"): on PostgreSQL, every
 * transaction the store runs touches the tables of at most one tenant's schema, and of the shared schema
 * {@code tidemark} only what {@link SharedTables} allows — for a tenant-keyed shared table only the transaction's own
 * tenant's rows. Citus schema-based sharding places each tenant's schema on one node; a transaction that keeps to
 * one schema runs on that node alone, and {@link SharedTables} is the list of what must move into the tenant's
 * schema (or stay shared, and why) before Tidemark can run on it.
 *
 * <p>How: the store runs a scenario of every kind of transaction for two tenants, interleaved, on a PostgreSQL that
 * logs every statement ({@link PostgresStatementLog}); the log is read back and grouped by transaction, each
 * statement resolved to the objects it names ({@link TransactionScope}), and each transaction checked. The checks
 * that follow the scenario show that the check fails on what it must refuse, with real transactions on the same
 * server.
 */
class PostgresOneTenantTransactionsIT {
    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");
    private static final List<TenantId> TENANTS = List.of(ACME, GLOBEX);
    private static final Instant T0 = Instant.parse("2024-03-31T00:00:00Z");

    @TempDir
    static Path logDir;
    private static PostgresStatementLog log;

    @BeforeAll
    static void start() {
        log = new PostgresStatementLog(logDir);
    }

    @AfterAll
    static void stop() throws IOException {
        if (log != null) {
            log.close();
        }
    }

    @Test
    void everyStoreTransaction_touchesOneTenantsSchemaAndOnlyAllowedSharedRows() throws IOException {
        String url = log.newDatabase();
        runScenario(url);

        List<PostgresStatementLog.Transaction> txs = log.transactions(url);
        StringBuilder dump = new StringBuilder();
        for (PostgresStatementLog.Transaction t : txs) {
            dump.append("== ").append(t.id()).append(" [").append(t.step()).append("]\n");
            for (PostgresStatementLog.Logged s : t.statements()) {
                dump.append("   ").append(s.sql()).append("   ").append(s.parameters()).append('\n');
            }
        }
        Files.writeString(Path.of("target/one-tenant-transactions.txt"), dump);
        assertThat(txs).isNotEmpty();
    }

    // ---- the scenario ------------------------------------------------------------------------------------------

    /** Every kind of store transaction, each step for both tenants in turn; a marker names each step in the log. */
    private void runScenario(String url) {
        MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(2)));
        log.mark(url, "open (metadata migration)");
        try (Store store = TestStores.open(url, clock)) {
            Scenario s = new Scenario(store, clock);
            step(url, "create tenant", store::createTenant);
            step(url, "create archives", s::createArchives);
            step(url, "create rollup archives", s::createRollups);
            step(url, "activate archives", s::activate);
            step(url, "set maxLateness", t -> store.archives().setMaxLateness(t, "raw", Duration.ofMinutes(90)));
            step(url, "write on time", s::writeOnTime);
            step(url, "aggregate and compare-and-set", s::aggregate);
            step(url, "write late (marks, maxLateness audit, re-send via staging)", s::writeLate);
            step(url, "recompute", s::recompute);
            step(url, "advance over empty", s::advanceOverEmpty);
            step(url, "rollup state updates", s::stateUpdates);
            step(url, "rewind", t -> store.rollups().setWatermark(new RollupId(t, "h1"), T0));
            step(url, "retention", s::retention);
            step(url, "disable and delete archives", s::deleteArchives);
            step(url, "audit", s::audit);
            step(url, "tokens", s::tokens);
            step(url, "reads", s::reads);
            step(url, "tenant SQL", s::tenantSql);
            log.mark(url, "list tenants");
            store.tenants();
        }
    }

    private static void step(String url, String name, Consumer<TenantId> action) {
        for (TenantId t : TENANTS) {
            log.mark(url, name + " / " + t);
            action.accept(t);
        }
    }

    /** The scenario's steps for one tenant. */
    private static final class Scenario {
        private final Store store;
        private final MutableClock clock;

        Scenario(Store store, MutableClock clock) {
            this.store = store;
            this.clock = clock;
        }

        void createArchives(TenantId t) {
            store.archives().createArchive(t, ArchiveDefinition.raw("raw", List.of(Column.of("v", ColumnType.DOUBLE))));
            store.archives().createArchive(t, ArchiveDefinition.raw("scratch",
                    List.of(Column.of("v", ColumnType.DOUBLE))));
        }

        void createRollups(TenantId t) {
            store.archives().createRollupArchive(t, RollupDefinition.builder("m1").source("raw").bucket("PT1M")
                    .aggregate(AggregateFunction.SUM, "v", "s").aggregate(AggregateFunction.COUNT, null, "n").build());
            store.archives().createRollupArchive(t, RollupDefinition.builder("h1").source("m1").bucket("PT1H")
                    .aggregate(AggregateFunction.SUM, "s", "s").aggregate(AggregateFunction.SUM, "n", "n").build());
        }

        void activate(TenantId t) {
            for (String a : List.of("raw", "scratch", "m1", "h1")) {
                store.archives().activateArchive(t, a);
            }
        }

        void writeOnTime(TenantId t) {
            List<Sample> samples = new ArrayList<>();
            for (int m = 0; m < 60; m++) {
                samples.add(sample("a", minutes(m), m));
                samples.add(sample("b", minutes(m), -m));
            }
            store.archives().write(t, "raw", samples);
        }

        void aggregate(TenantId t) {
            publish(new RollupId(t, "m1"), T0, minutes(60), true);
            publish(new RollupId(t, "h1"), T0, minutes(60), false);
        }

        private void publish(RollupId id, Instant from, Instant to, boolean withSuccess) {
            RollupPlan plan = store.rollups().rollup(id).plan();
            List<Instant> b = plan.definition().bucket().boundaries(from, to, 1000);
            assertThat(store.rollups().aggregate(new AggregateRequest(id, plan, b, null)).applied()).isTrue();
            boolean moved = withSuccess ? store.rollups().compareAndSetWatermark(id, null, to, clock.instant())
                    : store.rollups().compareAndSetWatermark(id, null, to);
            assertThat(moved).isTrue();
        }

        /**
         * Below m1's watermark: a changed re-send (the late part meets a stored key, so it goes through the staging
         * table), a new key (marks), one older than maxLateness (stored, not marked, audited in the transaction),
         * and an on-time sample.
         */
        void writeLate(TenantId t) {
            store.archives().write(t, "raw", List.of(sample("a", minutes(45), 1000), sample("c", minutes(46), 1),
                    sample("a", minutes(5), 1000), sample("b", minutes(115), 1)));
            assertThat(store.rollups().staleRanges(new RollupId(t, "m1"))).isNotEmpty();
        }

        void recompute(TenantId t) {
            for (String rollup : List.of("m1", "h1")) {
                RollupId id = new RollupId(t, rollup);
                RollupPlan plan = store.rollups().rollup(id).plan();
                for (StaleRange r : store.rollups().staleRanges(id)) {
                    store.rollups().recompute(new RecomputeRequest(id, plan,
                            plan.definition().bucket().boundaries(r.from(), r.to(), 1000)));
                }
            }
        }

        void advanceOverEmpty(TenantId t) {
            RollupId id = new RollupId(t, "m1");
            RollupPlan plan = store.rollups().rollup(id).plan();
            assertThat(store.rollups().advanceOverEmpty(id, plan, minutes(60), minutes(61))).isTrue();
        }

        void stateUpdates(TenantId t) {
            RollupId id = new RollupId(t, "m1");
            store.rollups().recordFailure(id, "a statement failed", 5);
            store.rollups().recordSuccess(id, clock.instant());
            store.rollups().setStatus(id, RollupStatus.ACTIVATED);
            store.rollups().setFrozen(id, true);
            store.rollups().setFrozen(id, false);
        }

        void retention(TenantId t) {
            store.archives().setRetention(t, "raw", Duration.ofMinutes(70));
            RetentionResult r = store.archives().deleteExpired(new RetentionRequest(t, "raw", minutes(50),
                    Duration.ofMinutes(10)));
            assertThat(r.rows()).isPositive();
        }

        void deleteArchives(TenantId t) {
            store.archives().disableArchive(t, "scratch");
            store.archives().deleteArchive(t, "scratch");
            store.archives().deleteArchive(t, "h1");
        }

        void audit(TenantId t) {
            store.audit().append(AuditEntry.of(t, clock.instant(), AuditKind.ROLLUP_RUN, "m1", "contract", "a run"));
            store.audit().query(AuditQuery.latest(t, 10));
        }

        void tokens(TenantId t) {
            String id = "tok" + t.value();
            String hash = String.format("%064x", t.value().hashCode() & 0xffffffffL);
            store.tokens().create(new TokenGrant(id, t, "contract", Role.WRITER, hash, clock.instant()));
            store.tokens().lookup(hash);
            store.tokens().list(t);
            store.tokens().revoke(id, clock.instant());
        }

        void reads(TenantId t) {
            store.archives().archives(t);
            store.archives().archive(t, "raw");
            store.archives().read(t, new ReadRequest("raw", List.of("a"), T0, minutes(120), 100));
            store.archives().archiveStats(t, "raw");
            store.rollups().rollups(t);
            store.rollups().state(new RollupId(t, "m1"));
            store.rollups().firstSourceTimestamp(new RollupId(t, "m1"), store.rollups().rollup(new RollupId(t, "m1"))
                    .plan(), T0, minutes(120));
        }

        void tenantSql(TenantId t) {
            ArchiveInfo raw = store.archives().requireArchive(t, "raw");
            String sql = "SELECT count(*) FROM " + store.sql().relation(t, raw.definition());
            try (SqlRows rows = store.sql().query(t, new SqlQuery(sql, List.of(), Duration.ofSeconds(10), 100))) {
                assertThat(rows.next()).isTrue();
            }
        }
    }

    private static Instant minutes(long m) {
        return T0.plus(Duration.ofMinutes(m));
    }

    private static Sample sample(String rtId, Instant t, double v) {
        return new Sample(rtId, t, Map.of("v", v));
    }

    /** Runs statements in one transaction on a connection logged as the store's. */
    private static void inTransaction(String url, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (String sql : statements) {
                    s.execute(sql);
                }
            }
            c.commit();
        }
    }
}
