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
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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

        List<TransactionScope.Verdict> verdicts = log.transactions(url).stream().map(TransactionScope::check).toList();
        Files.writeString(Path.of("target", "one-tenant-transactions.md"), report(verdicts));

        assertThat(verdicts.stream().filter(v -> !v.violations().isEmpty()).map(PostgresOneTenantTransactionsIT::describe))
                .as("transactions breaking the one-tenant contract (full report: target/one-tenant-transactions.md)")
                .isEmpty();
        assertThat(EXERCISED).allSatisfy((what, statement) -> assertThat(verdicts).as("the scenario ran " + what)
                .anySatisfy(v -> assertThat(v.transaction().statements())
                        .anySatisfy(s -> assertThat(s.sql()).containsPattern(statement))));
        assertThat(verdicts).as("both tenants' transactions were read back").extracting(TransactionScope.Verdict::tenant)
                .contains(ACME.value(), GLOBEX.value());
    }

    /** The permanent proof that the check can fail: a shared table nobody listed, written with a tenant's rows. */
    @Test
    void check_transactionWritingASharedTableNotOnTheAllowList_isABreach() throws SQLException {
        String url = tenantsWithRawArchives();
        try (Connection admin = DriverManager.getConnection(log.otherApplication(url));
                Statement s = admin.createStatement()) {
            s.execute("CREATE TABLE tidemark.cluster_nodes (node VARCHAR(63) PRIMARY KEY, seen TIMESTAMP)");
        }
        log.mark(url, "breach");
        inTransaction(url, "INSERT INTO \"acme\".\"raw\" (\"timestamp\", \"rtId\", \"v\") VALUES (?, ?, ?)",
                List.of(T0, "a", 1.0), "UPDATE \"tidemark\".\"cluster_nodes\" SET seen = ? WHERE node = ?",
                List.of(T0, "n1"));

        assertThat(breaches(url)).singleElement().asString()
                .contains("shared object \"tidemark\".\"cluster_nodes\" is not on the allow-list");
    }

    @Test
    void check_transactionTouchingTwoTenantsSchemas_isABreach() throws SQLException {
        String url = tenantsWithRawArchives();
        log.mark(url, "breach");
        inTransaction(url, "SELECT count(*) FROM \"acme\".\"raw\"", List.of(),
                "DELETE FROM \"globex\".\"raw\" WHERE \"timestamp\" < ?", List.of(T0));

        assertThat(breaches(url)).singleElement().asString().contains("2 tenants [acme, globex]");
    }

    @Test
    void check_sharedRowsOfAnotherTenantOrOfAll_isABreach() throws SQLException {
        String url = tenantsWithRawArchives();
        log.mark(url, "breach");
        inTransaction(url, "INSERT INTO \"acme\".\"raw\" (\"timestamp\", \"rtId\", \"v\") VALUES (?, ?, ?)",
                List.of(T0, "a", 1.0), "SELECT name FROM \"tidemark\".\"rollups\" WHERE tenant = ? FOR SHARE",
                List.of("globex"));
        inTransaction(url, "INSERT INTO \"acme\".\"raw\" (\"timestamp\", \"rtId\", \"v\") VALUES (?, ?, ?)",
                List.of(T0.plusSeconds(1), "a", 1.0), "SELECT count(*) FROM \"tidemark\".\"stale_ranges\"",
                List.of());

        assertThat(breaches(url)).satisfiesExactly(
                first -> assertThat(first).contains("2 tenants [acme, globex]"),
                second -> assertThat(second).contains("\"stale_ranges\" is reached without binding its key column"));
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
            step(url, "log writer (compare-and-set, batches, a rejection, a fenced replay)", s::logWrite);
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

        /**
         * The cluster's log writer: the position read, one transaction moving it with a late batch (marks) and a
         * batch of another definition version (rejected: its row and audit entry), then the same records replayed
         * (fenced, rolled back), the rejections read, and a live node's join read.
         */
        void logWrite(TenantId t) {
            LogWriterStore log = store.logWriter();
            assertThat(log.position(t)).isEqualTo(LogPosition.START);
            ArchiveInfo raw = store.archives().requireArchive(t, "raw");
            List<LogBatch> batches = List.of(
                    new LogBatch(3, batch(raw, sample("d", minutes(40), 7)), raw.version(), clock.instant()),
                    new LogBatch(5, batch(raw, sample("e", minutes(41), 8)), raw.version() + 1000, clock.instant()));
            LogWrite write = LogWrite.of(t, 2, 0, 6, batches);
            assertThat(log.write(write)).isInstanceOf(LogWriteResult.Written.class);
            assertThat(log.write(write)).isEqualTo(new LogWriteResult.Moved(new LogPosition(2, 6)));
            assertThat(log.rejections(t, 0, 10)).hasSize(1);
            // A live node joining the tenant: position, archives and rows in one snapshot.
            assertThat(log.join(t, a -> minutes(0), 100).position()).isEqualTo(new LogPosition(2, 6));
        }

        private static io.tidemark.core.SampleBatch batch(ArchiveInfo a, Sample... samples) {
            return io.tidemark.core.SampleBatch.validate(a.definition(), List.of(samples),
                    io.tidemark.core.BatchLimits.DEFAULT);
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

    /** What the scenario must have run, by a pattern of its statement: a check that saw none of it proves nothing. */
    private static final Map<String, String> EXERCISED = Map.ofEntries(
            Map.entry("the metadata migration", "^CREATE TABLE IF NOT EXISTS \"tidemark\"\\.\"rollups\""),
            Map.entry("a tenant's reader role", "^DO \\$\\$ BEGIN CREATE ROLE \"tidemark_sql_acme\""),
            Map.entry("an archive's table created", "^CREATE TABLE \"acme\"\\.\"raw\""),
            Map.entry("the ingest COPY", "^COPY \"acme\"\\.\"raw\""),
            Map.entry("the ingest staging table", "^CREATE TEMP TABLE \"tidemark_staging\""),
            Map.entry("the changed-late-samples upsert", "RETURNING \"timestamp\"$"),
            Map.entry("the dependants' shared lock", "^SELECT name FROM \"tidemark\"\\.\"rollups\" .* FOR SHARE$"),
            Map.entry("late data marked", "^INSERT INTO \"tidemark\"\\.\"stale_ranges\""),
            Map.entry("the LATE_SKIPPED audit entry", "^INSERT INTO \"tidemark\"\\.\"audit\""),
            Map.entry("the aggregate's row lock", "FOR UPDATE$"),
            Map.entry("a rollup statement", "^INSERT INTO \"acme\"\\.\"m1\" .* GROUP BY"),
            Map.entry("the pending watermark", "SET pending_watermark = CASE"),
            Map.entry("the watermark compare-and-set", "SET watermark = \\$1, consecutive_failures = 0"),
            Map.entry("stale ranges consumed", "^DELETE FROM \"tidemark\"\\.\"stale_ranges\" .* range_to = "),
            Map.entry("the retention delete", "^DELETE FROM \"acme\"\\.\"raw\""),
            Map.entry("an archive's table dropped", "^DROP TABLE IF EXISTS \"acme\""),
            Map.entry("a token created", "^INSERT INTO \"tidemark\"\\.\"tokens\""),
            Map.entry("a token revoked", "^UPDATE \"tidemark\"\\.\"tokens\" SET revoked_at"),
            Map.entry("tenant SQL as the reader role", "^SET LOCAL ROLE \"tidemark_sql_acme\""),
            Map.entry("the log tables hidden from the reader", "^REVOKE ALL ON TABLE \"acme\"\\.\"_log_position\""),
            Map.entry("the log position's compare-and-set", "^UPDATE \"acme\"\\.\"_log_position\" SET"),
            Map.entry("a log rejection recorded", "^INSERT INTO \"acme\"\\.\"_log_rejects\""));

    private static String describe(TransactionScope.Verdict v) {
        StringBuilder sb = new StringBuilder("transaction ").append(v.transaction().id()).append(" (step ")
                .append(v.transaction().step()).append("):");
        v.violations().forEach(x -> sb.append("\n  - ").append(x));
        return sb.toString();
    }

    /** The breaches of the transactions run after the marker "breach". */
    private static List<String> breaches(String url) {
        return log.transactions(url).stream().filter(t -> t.step().equals("breach")).map(TransactionScope::check)
                .filter(v -> !v.violations().isEmpty()).map(PostgresOneTenantTransactionsIT::describe).toList();
    }

    /** A database with the store's metadata, tenants acme and globex, each with an archive {@code raw}. */
    private static String tenantsWithRawArchives() {
        String url = log.newDatabase();
        try (Store store = TestStores.open(url)) {
            for (TenantId t : TENANTS) {
                store.createTenant(t);
                store.archives().createArchive(t, ArchiveDefinition.raw("raw", List.of(Column.of("v",
                        ColumnType.DOUBLE))));
            }
        }
        return url;
    }

    /**
     * Runs statements with their binds (a statement, then its list of binds, in turn) in one transaction on a
     * connection logged as the store's.
     */
    private static void inTransaction(String url, Object... statementsAndBinds) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(false);
            for (int i = 0; i < statementsAndBinds.length; i += 2) {
                try (PreparedStatement ps = c.prepareStatement((String) statementsAndBinds[i])) {
                    List<?> binds = (List<?>) statementsAndBinds[i + 1];
                    for (int k = 0; k < binds.size(); k++) {
                        Object v = binds.get(k);
                        ps.setObject(k + 1, v instanceof Instant t ? LocalDateTime.ofInstant(t, ZoneOffset.UTC) : v);
                    }
                    ps.execute();
                }
            }
            c.commit();
        }
    }

    /** Per shared object, how the transactions used it, with a tenant's schema and without; then the breaches. */
    private static String report(List<TransactionScope.Verdict> verdicts) {
        Map<String, Map<Boolean, Set<SharedTables.Use>>> uses = new TreeMap<>();
        Map<String, Set<String>> steps = new TreeMap<>();
        for (TransactionScope.Verdict v : verdicts) {
            for (TransactionScope.Resolved r : v.statements()) {
                for (TransactionScope.Touch t : r.touches()) {
                    if (t.kind() != TransactionScope.Kind.SHARED) {
                        continue;
                    }
                    uses.computeIfAbsent(t.name(), k -> new TreeMap<>()).computeIfAbsent(v.touchesTenantSchema(),
                            k -> EnumSet.noneOf(SharedTables.Use.class)).add(t.use());
                    if (v.touchesTenantSchema()) {
                        steps.computeIfAbsent(t.name(), k -> new TreeSet<>())
                                .add(v.transaction().step().replaceAll(" / [a-z]+$", ""));
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder("| shared object | with a tenant's schema | alone | in the steps |\n"
                + "|---|---|---|---|\n");
        uses.forEach((name, u) -> sb.append("| ").append(name).append(" | ").append(u.getOrDefault(true, Set.of()))
                .append(" | ").append(u.getOrDefault(false, Set.of())).append(" | ")
                .append(steps.getOrDefault(name, Set.of())).append(" |\n"));
        sb.append("\n").append(verdicts.size()).append(" transactions\n");
        verdicts.stream().filter(v -> !v.violations().isEmpty())
                .forEach(v -> sb.append("\n").append(describe(v)).append('\n'));
        return sb.toString();
    }
}
