package io.tidemark.sql.guard;

import static io.tidemark.sql.guard.GuardFixtures.GUARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The guard's classification of catalog statements and their rewriting for the shadow. */
class CatalogQueryGuardTest {

    private static GuardedStatement.CatalogQuery catalogQuery(String sql) {
        List<GuardedStatement> out = GUARD.check(sql);
        assertThat(out).hasSize(1);
        assertThat(out.get(0)).as(sql).isInstanceOf(GuardedStatement.CatalogQuery.class);
        return (GuardedStatement.CatalogQuery) out.get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT version()", "SELECT current_database()", "select current_schema()",
            "SELECT current_schemas(true)", "SELECT current_user", "SELECT session_user",
            "SELECT pg_backend_pid()", "SELECT * FROM pg_catalog.pg_class", "SELECT relname FROM pg_class",
            "SELECT * FROM information_schema.tables", "SELECT * FROM generate_series(1, 10)",
            "SELECT current_setting('server_version_num')::int / 100 AS version",
            "SELECT pg_catalog.now()", "SELECT t.typname FROM pg_type t WHERE t.oid = $1",
            "SELECT 'tidemark.tokens'::regclass", "SELECT CAST('raw' AS regclass)",
            "SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.~) '^acme$' "
                    + "COLLATE pg_catalog.default"})
    void check_catalogStatement_isACatalogQuery(String sql) {
        catalogQuery(sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT 1", "SELECT * FROM raw", "SELECT current_setting('TimeZone')",
            "SELECT value FROM raw WHERE note = 'pg_catalog.pg_class'"})
    void check_dataStatement_staysAQuery(String sql) {
        assertThat(GUARD.check(sql).get(0)).isInstanceOf(GuardedStatement.Query.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SELECT * FROM pg_catalog.pg_class c | FROM tidemark_pg_catalog.pg_class c",
            "SELECT * FROM pg_class | FROM tidemark_pg_catalog.pg_class pg_class",
            "SELECT * FROM information_schema.columns | FROM tidemark_information_schema.columns columns",
            "SELECT pg_catalog.format_type(1184, -1) | tidemark_pg_catalog.\"format_type\"(1184, -1)",
            "SELECT version() | tidemark_pg_catalog.\"version\"() AS \"version\"",
            "SELECT current_user | tidemark_pg_catalog.\"current_user\"() AS \"current_user\"",
            "SELECT pg_catalog.array_to_string(ARRAY['a'], ',') | array_to_string(ARRAY['a'], ',')",
            "SELECT 'raw'::pg_catalog.regclass | tidemark_pg_catalog.\"regclass\"('raw')::BIGINT",
            "SELECT c.oid::regclass::text FROM pg_class c | c.oid::BIGINT::VARCHAR",
            "SELECT 1 FROM pg_namespace n WHERE n.nspname !~ '^pg_' "
                    + "| n.nspname !~ tidemark_pg_catalog.pg_regex('^pg_')",
            "SELECT 1 FROM pg_namespace n WHERE n.nspname ~* '^PG_' "
                    + "| n.nspname ~ tidemark_pg_catalog.pg_regex_i('^PG_')",
            "SELECT 1 FROM pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(raw)$' COLLATE pg_catalog.default "
                    + "| c.relname ~ tidemark_pg_catalog.pg_regex('^(raw)$')",
            "SELECT s FROM string_to_array('a,b', ',') s | FROM (SELECT string_to_array('a,b', ',') AS s) AS s",
            "SELECT i FROM generate_series(1, 3) AS i | FROM (SELECT unnest(generate_series(1, 3)) AS i) AS i"})
    void check_catalogQuery_isRewrittenForTheShadow(String sql, String expected) {
        assertThat(catalogQuery(sql).sql()).contains(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"SELECT version(), value FROM raw | version(…)",
            "SELECT * FROM pg_catalog.pg_class c JOIN raw r ON true | pg_catalog.",
            "SELECT r.value FROM raw r WHERE r.note = current_user | current_user",
            "SELECT i FROM generate_series(1, 3) i JOIN raw ON true | generate_series(…)"})
    void check_catalogMixedWithTenantTables_isRefused0A000NamingBoth(String sql, String mention) {
        assertThatThrownBy(() -> GUARD.check(sql)).isInstanceOfSatisfying(GuardException.class, e -> {
            assertThat(e.sqlState()).isEqualTo(GuardException.FEATURE_NOT_SUPPORTED);
            assertThat(e.getMessage()).contains("(here: " + mention + ")", "tenant's table raw");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"SELECT relname FROM pg_class WHERE relname = $2 OR relname = $1 | 2",
            "SELECT relname FROM pg_class WHERE relname = ? | 1"})
    void check_catalogQueryParameters_areNumberedLikeQueries(String sql, int count) {
        GuardedStatement.CatalogQuery q = catalogQuery(sql);
        assertThat(q.parameterCount()).isEqualTo(count);
        assertThat(q.sql()).doesNotContain("$");
    }
}
