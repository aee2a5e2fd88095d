package io.tidemark.sql.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.sql.BindParameter;
import io.tidemark.sql.RowCursor;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.guard.GuardedStatement;
import io.tidemark.sql.guard.SqlCatalog;
import io.tidemark.sql.guard.SqlGuard;
import io.tidemark.sql.guard.SqlTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shadow catalog database: per-tenant contents, cache, bounds and what a statement past the guard can see. */
class CatalogDatabaseTest {
    private CatalogDatabase db = CatalogDatabase.create();

    @AfterEach
    void close() {
        db.close();
    }

    /** Runs a statement through the tenant's guard, which must classify it as a catalog query. */
    private List<String> catalog(SqlCatalog catalog, String sql) throws SqlException {
        GuardedStatement s = SqlGuard.of(catalog, GuardedBackend.relations(catalog)).check(sql).get(0);
        assertThat(s).isInstanceOf(GuardedStatement.CatalogQuery.class);
        return rows(db.query(catalog, (GuardedStatement.CatalogQuery) s, List.of()));
    }

    /** Runs a text on the shadow directly, as if the guard had let it through. */
    private List<String> direct(SqlCatalog catalog, String sql) throws SqlException {
        return rows(db.query(catalog, new GuardedStatement.CatalogQuery(sql, List.of()), List.<BindParameter>of()));
    }

    private static List<String> rows(RowCursor cursor) throws SqlException {
        List<String> out = new ArrayList<>();
        while (cursor.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 0; i < cursor.columns().size(); i++) {
                row.add(String.valueOf(cursor.value(i)));
            }
            out.add(String.join("|", row));
        }
        cursor.close();
        return out;
    }

    @Test
    void pgClass_holdsTheTenantsTablesOnly() throws Exception {
        catalog(GuardedBackend.GLOBEX, "SELECT 1 FROM pg_class");
        assertThat(catalog(GuardedBackend.ACME, "SELECT n.nspname || '.' || c.relname FROM pg_class c "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY 1"))
                .containsExactly("acme.m1", "acme.raw", "latest.raw", "recent.raw");
        assertThat(catalog(GuardedBackend.GLOBEX, "SELECT relname FROM pg_class")).containsExactly("secret_archive");
    }

    @Test
    void columns_carryThePostgreSqlTypesTheWireReports() throws Exception {
        assertThat(catalog(GuardedBackend.ACME, "SELECT a.attname || ':' || t.typname || ':' || a.atttypid "
                + "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'raw' AND n.nspname = 'acme' "
                + "ORDER BY a.attnum"))
                .containsExactly("timestamp:timestamptz:1184", "rtId:text:25", "value:float8:701", "ok:bool:16",
                        "n:int8:20");
    }

    @Test
    void shadow_isRebuiltWhenTheTablesChange() throws Exception {
        assertThat(catalog(GuardedBackend.GLOBEX, "SELECT relname FROM pg_class")).containsExactly("secret_archive");
        SqlCatalog grown = SqlCatalog.of("globex", List.of(SqlTable.of(GuardedBackend.SECRET),
                SqlTable.of(GuardedBackend.RAW)));
        assertThat(catalog(grown, "SELECT relname FROM pg_class ORDER BY 1")).containsExactly("raw",
                "secret_archive");
        assertThat(db.shadowCount()).isEqualTo(1);
    }

    @Test
    void shadows_areBoundedLeastRecentlyUsedFirst() throws Exception {
        db.close();
        db = CatalogDatabase.create(new CatalogDatabase.Limits(2, Duration.ofSeconds(10), 1000));
        for (String tenant : List.of("t1", "t2", "t3")) {
            SqlCatalog c = SqlCatalog.of(tenant, List.of(SqlTable.of(GuardedBackend.RAW)));
            assertThat(catalog(c, "SELECT current_schema()")).containsExactly(tenant);
        }
        assertThat(db.shadowCount()).isEqualTo(2);
    }

    @Test
    void concurrentTenants_eachSeeTheirOwnCatalog() throws Exception {
        List<java.util.concurrent.Callable<String>> calls = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String tenant = "t" + (i % 3);
            SqlCatalog c = SqlCatalog.of(tenant, List.of(SqlTable.of(GuardedBackend.RAW)));
            String sql = "SELECT current_schema() || ':' || count(*) FROM pg_class";
            calls.add(() -> tenant + "=" + catalog(c, sql).get(0));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (java.util.concurrent.Future<String> f : pool.invokeAll(calls)) {
                String[] answer = f.get().split("=");
                assertThat(answer[1]).isEqualTo(answer[0] + ":1");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.shadowCount()).isEqualTo(3);
    }

    @Test
    void answersPastTheRowLimit_fail54000() {
        db.close();
        db = CatalogDatabase.create(new CatalogDatabase.Limits(4, Duration.ofSeconds(10), 5));
        assertThatThrownBy(() -> catalog(GuardedBackend.ACME, "SELECT * FROM generate_series(1, 10)"))
                .isInstanceOfSatisfying(SqlException.class, e -> assertThat(e.sqlState()).isEqualTo("54000"));
    }

    @Test
    void statementsPastTheTimeout_fail57014() {
        db.close();
        db = CatalogDatabase.create(new CatalogDatabase.Limits(4, Duration.ofMillis(200), 1000));
        assertThatThrownBy(() -> catalog(GuardedBackend.ACME, "SELECT count(*) FROM generate_series(1, 3000) a, "
                + "generate_series(1, 3000) b, generate_series(1, 3000) c"))
                .isInstanceOfSatisfying(SqlException.class, e -> assertThat(e.sqlState()).isEqualTo("57014"));
    }

    @Test
    void aStatementPastTheGuard_findsNoRowsNoOtherTenantNoFiles() throws Exception {
        catalog(GuardedBackend.GLOBEX, "SELECT version()");
        assertThat(direct(GuardedBackend.ACME, "SELECT count(*) FROM \"acme\".\"raw\"")).containsExactly("0");
        assertThat(catalog(GuardedBackend.ACME, "SELECT 'tidemark.tokens'::regclass, "
                + "'globex.secret_archive'::regclass, 'secret_archive'::regclass")).containsExactly("null|null|null");
        assertThat(direct(GuardedBackend.ACME, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'globex' "
                + "OR table_name = 'secret_archive'")).containsExactly("0");
        assertThat(direct(GuardedBackend.ACME, "SELECT current_setting('enable_external_access')::VARCHAR, "
                + "current_setting('lock_configuration')::VARCHAR")).containsExactly("false|true");
        assertThatThrownBy(() -> direct(GuardedBackend.ACME, "SELECT * FROM read_csv('/etc/passwd')"))
                .isInstanceOf(SqlException.class).hasMessageContaining("disabled");
    }

    @Test
    void versionAndServerVersionNum_agreeWithTheWire() throws Exception {
        assertThat(catalog(GuardedBackend.ACME, "SELECT version(), current_setting('server_version_num')"))
                .containsExactly(CatalogDatabase.VERSION + "|140000");
        assertThat(ShadowRows.pgArray(new Object[] {"a", "b c", null})).isEqualTo("{a,\"b c\",NULL}");
    }
}
