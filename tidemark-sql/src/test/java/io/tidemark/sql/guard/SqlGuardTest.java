package io.tidemark.sql.guard;

import static io.tidemark.sql.guard.GuardFixtures.GUARD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ColumnType;
import java.util.List;
import java.util.stream.Stream;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SqlGuardTest {

    private static GuardedStatement.Query query(String sql) {
        List<GuardedStatement> out = GUARD.check(sql);
        assertThat(out).hasSize(1);
        return (GuardedStatement.Query) out.get(0);
    }

    /** Allowed queries, each with the tables it must read (by SQL name). */
    static Stream<Arguments> allowed() {
        return Stream.of(
                Arguments.of("SELECT * FROM raw", List.of("raw")),
                Arguments.of("select \"timestamp\", \"rtId\", value from RAW where value > 1.5", List.of("raw")),
                Arguments.of("SELECT r.value FROM acme.raw r WHERE r.ok", List.of("raw")),
                Arguments.of("SELECT acme.raw.value FROM acme.raw", List.of("raw")),
                Arguments.of("SELECT raw.value FROM raw JOIN other o ON o.\"rtId\" = raw.\"rtId\"", List.of("raw", "other")),
                Arguments.of("SELECT * FROM raw LEFT JOIN other USING (\"rtId\") ORDER BY 1 DESC LIMIT 10 OFFSET 5",
                        List.of("raw", "other")),
                Arguments.of("WITH w AS (SELECT * FROM raw WHERE ok) SELECT count(*) FROM w", List.of("raw")),
                Arguments.of("WITH raw AS (SELECT 1 AS x) SELECT x FROM raw", List.of()),
                Arguments.of("WITH a AS (SELECT * FROM other), b AS (SELECT * FROM a) SELECT * FROM b JOIN raw ON true",
                        List.of("other", "raw")),
                Arguments.of("SELECT * FROM (SELECT * FROM raw) AS s WHERE s.value IN (SELECT n FROM other)",
                        List.of("raw", "other")),
                Arguments.of("SELECT value FROM raw UNION ALL SELECT n FROM other UNION SELECT avg_value FROM minute",
                        List.of("raw", "other", "minute")),
                Arguments.of("SELECT date_trunc('minute', \"timestamp\") AS t, avg(value) FROM raw "
                        + "WHERE \"timestamp\" BETWEEN $1 AND $2 GROUP BY 1 HAVING count(*) > 3 ORDER BY 1", List.of("raw")),
                Arguments.of("SELECT date_trunc('day', \"timestamp\", 'Europe/Paris') FROM raw", List.of("raw")),
                Arguments.of("SELECT date_bin(INTERVAL '5 minutes', \"timestamp\", TIMESTAMP '2000-01-01') FROM raw",
                        List.of("raw")),
                Arguments.of("SELECT time_bucket(INTERVAL '1 hour', \"timestamp\") FROM raw", List.of("raw")),
                Arguments.of("SELECT \"timestamp\" AT TIME ZONE 'UTC', now(), CURRENT_TIMESTAMP FROM raw", List.of("raw")),
                Arguments.of("SELECT CAST(value AS bigint), value::text, \"timestamp\"::timestamptz, "
                        + "CAST(ok AS varchar(5)) FROM raw", List.of("raw")),
                Arguments.of("SELECT coalesce(note, 'none'), CASE WHEN value > 0 THEN 'pos' WHEN value < 0 THEN 'neg' "
                        + "ELSE 'zero' END, nullif(value, 0) FROM raw", List.of("raw")),
                Arguments.of("SELECT value + 1, value - 1, value * 2, value / 2, -value, value % 3, note || '!' FROM raw",
                        List.of("raw")),
                Arguments.of("SELECT * FROM raw WHERE note LIKE 'a%' OR note ILIKE 'B%' AND NOT ok AND value IS NOT NULL",
                        List.of("raw")),
                Arguments.of("SELECT * FROM raw WHERE \"rtId\" IN ('a', 'b') AND value NOT BETWEEN 1 AND 2",
                        List.of("raw")),
                Arguments.of("SELECT \"rtId\", value, avg(value) OVER (PARTITION BY \"rtId\" ORDER BY \"timestamp\" "
                        + "ROWS BETWEEN 3 PRECEDING AND CURRENT ROW), row_number() OVER w, lag(value, 1) OVER w "
                        + "FROM raw WINDOW w AS (ORDER BY \"timestamp\")", List.of("raw")),
                Arguments.of("SELECT count(*) FILTER (WHERE ok), count(DISTINCT \"rtId\") FROM raw", List.of("raw")),
                Arguments.of("SELECT * FROM raw WHERE EXISTS (SELECT 1 FROM other WHERE other.n = raw.value)",
                        List.of("raw", "other")),
                Arguments.of("SELECT (SELECT max(n) FROM other), extract(epoch FROM \"timestamp\") FROM raw",
                        List.of("other", "raw")),
                Arguments.of("SELECT * FROM latest.raw", List.of("latest.raw")),
                Arguments.of("SELECT r.value FROM recent.raw r JOIN raw ON true", List.of("recent.raw", "raw")),
                Arguments.of("SELECT avg_value FROM minute WHERE max_value > ?", List.of("minute")),
                Arguments.of("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(x, y)", List.of()),
                Arguments.of("VALUES (1)", List.of()),
                Arguments.of("SELECT current_setting('TimeZone')", List.of()),
                Arguments.of("SELECT 1 FROM raw WHERE value = ANY (SELECT n FROM other)", List.of("raw", "other")),
                Arguments.of("(SELECT value FROM raw) EXCEPT (SELECT n FROM other)", List.of("raw", "other")),
                Arguments.of("SELECT * FROM raw FETCH FIRST 3 ROWS ONLY", List.of("raw")),
                Arguments.of("SELECT * FROM \"raw\" -- a comment; with a semicolon\n WHERE value > 0", List.of("raw")),
                Arguments.of("SELECT * FROM raw WHERE note = 'it''s; fine'", List.of("raw")));
    }

    @ParameterizedTest
    @MethodSource("allowed")
    void check_allowedQuery_qualifiesEveryTenantTable(String sql, List<String> reads) throws Exception {
        GuardedStatement.Query q = query(sql);

        assertThat(q.reads()).extracting(SqlTable::sqlName).containsExactlyElementsOf(reads);
        for (SqlTable t : q.reads()) {
            assertThat(q.sql()).contains(GuardFixtures.POSTGRES.render(t));
        }
        assertThat(CCJSqlParserUtil.parse(q.sql())).isNotNull();
        assertThat(q.sql()).doesNotContain("FROM raw ", "JOIN raw ", "FROM other", "acme.raw", "$1");
    }

    @Test
    void check_cteNamesAndAliases_areNotQualified() {
        GuardedStatement.Query q = query("WITH w AS (SELECT value FROM raw r) SELECT w.value FROM w");

        assertThat(q.sql()).isEqualTo("WITH w AS (SELECT value FROM \"acme\".\"raw\" r) SELECT w.value FROM w");
    }

    @Test
    void check_tableWithoutAlias_keepsItsNameAsAlias() {
        assertThat(query("SELECT raw.value FROM raw").sql())
                .isEqualTo("SELECT raw.value FROM \"acme\".\"raw\" AS raw");
        assertThat(query("SELECT acme.raw.value FROM acme.raw").sql())
                .isEqualTo("SELECT raw.value FROM \"acme\".\"raw\" AS raw");
    }

    @Test
    void check_rollup_isReadThroughItsReaderView() {
        GuardedStatement.Query q = query("SELECT avg_value FROM minute");

        assertThat(q.sql()).isEqualTo("SELECT avg_value FROM (SELECT \"timestamp\", \"rtId\", \"avg_value__sum\" / "
                + "NULLIF(\"avg_value__count\", 0) AS \"avg_value\", \"max_value\" FROM \"acme\".\"minute\") AS minute");
        assertThat(q.reads().get(0).columns()).extracting(c -> c.name() + ":" + c.type())
                .containsExactly("timestamp:TIMESTAMP", "rtId:VARCHAR", "avg_value:DOUBLE", "max_value:DOUBLE");
    }

    @Test
    void check_dollarParameters_becomeJdbcParametersInTextOrder() {
        GuardedStatement.Query q = query("SELECT * FROM raw WHERE value > $2 AND note = $1 AND value < $2 LIMIT $3");

        assertThat(q.sql()).endsWith("WHERE value > ? AND note = ? AND value < ? LIMIT ?");
        assertThat(q.parameters()).containsExactly(2, 1, 2, 3);
        assertThat(q.parameterCount()).isEqualTo(3);
    }

    @Test
    void check_questionMarkParameters_areNumberedByPosition() {
        GuardedStatement.Query q = query("SELECT ? AS a FROM raw WHERE note = '?' AND value BETWEEN ? AND ?");

        assertThat(q.sql()).isEqualTo("SELECT ? AS a FROM \"acme\".\"raw\" AS raw WHERE note = '?' AND value "
                + "BETWEEN ? AND ?");
        assertThat(q.parameters()).containsExactly(1, 2, 3);
    }

    /**
     * Regression (found by SqlOracleIT): the rewriter meets {@code LIMIT ?} and {@code OFFSET ?} before the select
     * list and WHERE, and numbered {@code ?} in that order, so {@code WHERE value > ? LIMIT ?} bound the limit's value
     * to the comparison and the comparison's to the limit.
     */
    @Test
    void check_questionMarkParametersAfterWhere_areNumberedByTextNotByWalk() {
        GuardedStatement.Query q = query("WITH w AS (SELECT * FROM raw WHERE value > ? LIMIT ?) SELECT ? AS a, "
                + "(SELECT count(*) FROM other WHERE n < ?) FROM w WHERE note = ? ORDER BY 1 LIMIT ? OFFSET ?");

        assertThat(q.parameters()).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(query("SELECT * FROM raw WHERE value > ? LIMIT ?").parameters()).containsExactly(1, 2);
    }

    /**
     * A GROUP BY or ORDER BY item that repeats a select-list item with its {@code $n} becomes the item's position: the
     * store binds by position, so the engine would see two parameters, and DuckDB refuses a parameter there.
     */
    @Test
    void check_parameterRepeatedInGroupByAndOrderBy_becomesTheSelectItemsPosition() {
        GuardedStatement.Query q = query("SELECT $1 AS a, value + $2 AS b, count(*) FROM raw GROUP BY $1, value + $2 "
                + "ORDER BY value + $2 DESC, $1");

        assertThat(q.sql()).endsWith("GROUP BY 1, 2 ORDER BY 2 DESC, 1");
        assertThat(q.parameters()).containsExactly(1, 2);
        assertThat(query("SELECT count(*) FROM raw WHERE value > $1 OR value < -$1").parameters())
                .containsExactly(1, 1);
        assertThat(query("SELECT value FROM raw ORDER BY value + ?").sql()).endsWith("ORDER BY value + ?");
    }

    @Test
    void withParameterTypes_castsTheDeclaredParametersOnly() {
        GuardedStatement.Query q = query("SELECT $1 AS a FROM raw WHERE note = '?' AND value > $2 AND note <> $3 "
                + "AND value < $2");

        GuardedStatement.Query typed = q.withParameterTypes(java.util.Arrays.asList("BIGINT", "DOUBLE PRECISION"));

        assertThat(typed.sql()).isEqualTo("SELECT CAST(? AS BIGINT) AS a FROM \"acme\".\"raw\" AS raw WHERE note = "
                + "'?' AND value > CAST(? AS DOUBLE PRECISION) AND note <> ? AND value < CAST(? AS DOUBLE PRECISION)");
        assertThat(typed.parameters()).isEqualTo(q.parameters()).containsExactly(1, 2, 3, 2);
        assertThat(q.withParameterTypes(java.util.Arrays.asList(null, null, null)).sql()).isEqualTo(q.sql());
    }

    @Test
    void check_loneParameterInGroupByOrOrderBy_refused42803() {
        assertRefused("SELECT ? AS a, count(*) FROM raw GROUP BY ?", GuardException.GROUPING_ERROR, "GROUP BY 1");
        assertRefused("SELECT count(*) FROM raw GROUP BY $1", GuardException.GROUPING_ERROR, "parameter alone");
        assertRefused("SELECT value FROM raw ORDER BY $1", GuardException.GROUPING_ERROR, "ORDER BY 1");
        assertRefused("SELECT * FROM (SELECT note FROM raw GROUP BY note, ?) AS s", GuardException.GROUPING_ERROR,
                "GROUP BY");
    }

    @Test
    void check_mixedParameterStyles_isASyntaxError() {
        assertRefused("SELECT * FROM raw WHERE value > ? AND value < $1", GuardException.SYNTAX_ERROR, "both");
    }

    @Test
    void check_multipleStatements_answersEach() {
        List<GuardedStatement> out = GUARD.check("SET application_name = 'psql'; SELECT 1; SHOW TimeZone; BEGIN; "
                + "COMMIT;; -- done");

        assertThat(out).hasSize(5);
        assertThat(out.get(0)).isEqualTo(new GuardedStatement.Setting("application_name", "psql"));
        assertThat(out.get(1)).isInstanceOf(GuardedStatement.Query.class);
        assertThat(out.get(2)).isEqualTo(new GuardedStatement.Show("timezone"));
        assertThat(out.get(3)).isEqualTo(new GuardedStatement.Transaction("BEGIN"));
        assertThat(out.get(4)).isEqualTo(new GuardedStatement.Transaction("COMMIT"));
    }

    @Test
    void check_onlyComments_answersNothing() {
        assertThat(GUARD.check(" -- nothing\n /* at /* all */ */ ;")).isEmpty();
    }

    @Test
    void check_multipleStatementsWithOneRefused_refusesTheText() {
        assertRefused("SELECT * FROM raw; DELETE FROM raw", GuardException.INSUFFICIENT_PRIVILEGE, "DELETE");
    }

    @Test
    void check_harmlessSets_areNoOps() {
        assertThat(GUARD.check("SET extra_float_digits = 3")).containsExactly(
                new GuardedStatement.Setting("extra_float_digits", "3"));
        assertThat(GUARD.check("SET TIME ZONE 'UTC'")).containsExactly(new GuardedStatement.Setting("TimeZone", "UTC"));
        assertThat(GUARD.check("set timezone to 'Etc/UTC'")).hasSize(1);
        assertThat(GUARD.check("SET DateStyle = ISO, MDY")).hasSize(1);
        assertThat(GUARD.check("SET search_path TO acme, public")).hasSize(1);
        assertThat(GUARD.check("SET SESSION client_encoding TO 'UTF8'")).hasSize(1);
        assertThat(GUARD.check("RESET ALL")).containsExactly(new GuardedStatement.Setting("ALL", null));
    }

    @Test
    void check_copyQueryToStdout_answersTheQueryAndFormat() {
        GuardedStatement.CopyOut c = (GuardedStatement.CopyOut) GUARD.check(
                "COPY (SELECT * FROM raw WHERE value > 1) TO STDOUT (FORMAT csv, HEADER, DELIMITER ';')").get(0);

        assertThat(c.query().sql()).isEqualTo("SELECT * FROM \"acme\".\"raw\" AS raw WHERE value > 1");
        assertThat(c.format()).isEqualTo(new CopyFormat(true, true, ';', "", '"', '"'));
    }

    @Test
    void check_copyTableToStdoutWithOldOptions_answersASelectOfTheTable() {
        GuardedStatement.CopyOut c = (GuardedStatement.CopyOut) GUARD.check(
                "COPY raw (\"timestamp\", value) TO STDOUT WITH CSV HEADER").get(0);

        assertThat(c.query().sql()).isEqualTo("SELECT \"timestamp\", value FROM \"acme\".\"raw\" AS raw");
        assertThat(c.format().csv()).isTrue();
        assertThat(c.format().header()).isTrue();
        assertThat(((GuardedStatement.CopyOut) GUARD.check("COPY raw TO STDOUT").get(0)).format())
                .isEqualTo(CopyFormat.TEXT);
    }

    @Test
    void sqlTable_rollupReaderColumns_areAggregatesNotPartials() {
        assertThat(SqlTable.of(GuardFixtures.MINUTE).columns()).extracting(c -> c.name())
                .containsExactly("timestamp", "rtId", "avg_value", "max_value");
        assertThat(SqlTable.of(GuardFixtures.RAW).columns().get(2).type()).isEqualTo(ColumnType.DOUBLE);
    }

    /** Every refused construct with its SQLSTATE and a word its message must contain. */
    static Stream<Arguments> refused() {
        String priv = GuardException.INSUFFICIENT_PRIVILEGE;
        String undefined = GuardException.UNDEFINED_TABLE;
        String syntax = GuardException.SYNTAX_ERROR;
        return Stream.of(
                Arguments.of("INSERT INTO raw VALUES (1)", priv, "INSERT"),
                Arguments.of("UPDATE raw SET value = 1", priv, "UPDATE"),
                Arguments.of("DELETE FROM raw", priv, "DELETE"),
                Arguments.of("MERGE INTO raw USING other ON true WHEN MATCHED THEN DELETE", priv, "MERGE"),
                Arguments.of("TRUNCATE raw", priv, "TRUNCATE"),
                Arguments.of("CREATE TABLE x (a int)", priv, "CREATE"),
                Arguments.of("DROP TABLE raw", priv, "DROP"),
                Arguments.of("ALTER TABLE raw ADD COLUMN b int", priv, "ALTER"),
                Arguments.of("GRANT SELECT ON raw TO public", priv, "GRANT"),
                Arguments.of("WITH d AS (DELETE FROM raw RETURNING *) SELECT * FROM d", priv, "DELETE"),
                Arguments.of("WITH x AS (SELECT 1) INSERT INTO raw SELECT * FROM x", priv, "INSERT"),
                Arguments.of("SELECT * FROM other_tenant.raw", priv, "other_tenant"),
                Arguments.of("SELECT * FROM tidemark.tokens", priv, "tidemark"),
                Arguments.of("SELECT * FROM pg_catalog.pg_authid", undefined, "pg_authid"),
                Arguments.of("SELECT * FROM pg_class, raw", GuardException.FEATURE_NOT_SUPPORTED, "raw"),
                Arguments.of("SELECT * FROM generate_series(1, 10), raw", GuardException.FEATURE_NOT_SUPPORTED, "raw"),
                Arguments.of("SELECT version(), value FROM raw", GuardException.FEATURE_NOT_SUPPORTED, "raw"),
                Arguments.of("SELECT * FROM pg_class, read_csv('/etc/passwd')", priv, "read_csv"),
                Arguments.of("SELECT version(), pg_sleep(100)", priv, "pg_sleep"),
                Arguments.of("SELECT * FROM information_schema.tables t JOIN other_tenant.raw r ON true", undefined,
                        "other_tenant.raw"),
                Arguments.of("SELECT * FROM main.raw", priv, "main"),
                Arguments.of("SELECT * FROM tidemark.acme.raw", priv, "three-part"),
                Arguments.of("SELECT other_tenant.raw.value FROM raw", priv, "other_tenant"),
                Arguments.of("SELECT * FROM tokens", undefined, "relation \"tokens\" does not exist"),
                Arguments.of("SELECT * FROM acme.nope", undefined, "does not exist"),
                Arguments.of("SELECT * FROM latest.nope", undefined, "does not exist"),
                Arguments.of("SELECT * FROM read_csv('/etc/passwd')", priv, "read_csv"),
                Arguments.of("SELECT * FROM read_parquet('s3://bucket/x.parquet')", priv, "read_parquet"),
                Arguments.of("SELECT * FROM read_json('https://example.com/x.json')", priv, "read_json"),
                Arguments.of("SELECT * FROM '/etc/passwd'", priv, "file"),
                Arguments.of("COPY raw TO '/tmp/x.csv'", priv, "COPY … TO a file"),
                Arguments.of("COPY (SELECT 1) TO PROGRAM 'rm -rf /'", priv, "COPY … TO a file"),
                Arguments.of("COPY raw FROM '/tmp/x.csv'", priv, "COPY … FROM"),
                Arguments.of("COPY raw FROM STDIN", priv, "COPY … FROM"),
                Arguments.of("COPY (SELECT * FROM tidemark.tokens) TO STDOUT", priv, "tidemark"),
                Arguments.of("COPY (SELECT 1) TO STDOUT (FORMAT binary)", GuardException.FEATURE_NOT_SUPPORTED, "binary"),
                Arguments.of("ATTACH '/tmp/other.duckdb' AS o", priv, "ATTACH"),
                Arguments.of("DETACH o", priv, "DETACH"),
                Arguments.of("PRAGMA database_list", priv, "PRAGMA"),
                Arguments.of("INSTALL httpfs", priv, "INSTALL"),
                Arguments.of("LOAD httpfs", priv, "LOAD"),
                Arguments.of("CALL duckdb_settings()", priv, "CALL"),
                Arguments.of("EXPLAIN ANALYZE SELECT 1", priv, "EXPLAIN"),
                Arguments.of("SET enable_external_access = true", priv, "enable_external_access"),
                Arguments.of("SET role postgres", priv, "role"),
                Arguments.of("SET SESSION AUTHORIZATION postgres", priv, "authorization"),
                Arguments.of("SET statement_timeout = 0", priv, "statement_timeout"),
                Arguments.of("SET TimeZone = 'Europe/Paris'", priv, "AT TIME ZONE"),
                Arguments.of("SET search_path = other_tenant", priv, "search path"),
                Arguments.of("RESET role", priv, "role"),
                Arguments.of("SELECT pg_read_file('/etc/passwd')", priv, "pg_read_file"),
                Arguments.of("SELECT pg_sleep(100)", priv, "pg_sleep"),
                Arguments.of("SELECT getvariable('x')", priv, "getvariable"),
                Arguments.of("SELECT getenv('HOME')", priv, "getenv"),
                Arguments.of("SELECT set_config('role', 'postgres', false)", priv, "set_config"),
                Arguments.of("SELECT nextval('tidemark.seq')", priv, "nextval"),
                Arguments.of("SELECT * INTO t2 FROM raw", priv, "INTO"),
                Arguments.of("SELECT * FROM raw FOR UPDATE", priv, "FOR UPDATE"),
                Arguments.of("SELECT * FROM raw FOR SHARE", priv, "FOR UPDATE"),
                Arguments.of("SELECT * FROM raw TABLESAMPLE SYSTEM (10)", priv, "TABLESAMPLE"),
                Arguments.of("SELECT * FROM raw WHERE value = :v", priv, "expression"),
                Arguments.of("SAVEPOINT s", priv, "SAVEPOINT"),
                Arguments.of("SELECT * FROM", syntax, "syntax error"),
                Arguments.of("SELEC 1", priv, "SELEC"),
                Arguments.of("SELECT 'unterminated", syntax, "unterminated"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void check_refusedConstruct_throwsWithItsSqlState(String sql, String sqlState, String named) {
        assertRefused(sql, sqlState, named);
    }

    @Test
    void check_unknownTable_revealsNothingAboutOtherTenants() {
        assertThatThrownBy(() -> GUARD.check("SELECT * FROM secret")).isInstanceOf(GuardException.class)
                .hasMessage("relation \"secret\" does not exist");
    }

    @Test
    void check_syntaxError_reportsThePositionInTheWholeText() {
        GuardException e = catchGuard("SELECT 1; SELECT * FROM raw WHERE");

        assertThat(e.sqlState()).isEqualTo(GuardException.SYNTAX_ERROR);
        assertThat(e.position()).isGreaterThan("SELECT 1;".length()).isLessThanOrEqualTo(
                "SELECT 1; SELECT * FROM raw WHERE".length() + 1);
    }

    @Test
    void check_pastLimits_isRefusedBeforeParsing() {
        SqlGuard small = GUARD.withLimits(new GuardLimits(100, 3, 5));

        assertThat(catchGuard(small, "SELECT 1" + " ".repeat(200)).sqlState())
                .isEqualTo(GuardException.PROGRAM_LIMIT_EXCEEDED);
        assertThat(catchGuard(small, "SELECT ((((1))))").sqlState()).isEqualTo(GuardException.STATEMENT_TOO_COMPLEX);
        assertThat(catchGuard(small, "SELECT 1 + 1 + 1 + 1 + 1 + 1 + 1").sqlState())
                .isEqualTo(GuardException.STATEMENT_TOO_COMPLEX);
        assertThat(catchGuard("SELECT " + "(".repeat(60) + "1" + ")".repeat(60)).sqlState())
                .isEqualTo(GuardException.STATEMENT_TOO_COMPLEX);
    }

    private static void assertRefused(String sql, String sqlState, String named) {
        GuardException e = catchGuard(sql);
        assertThat(e.sqlState()).as(sql + " → " + e.getMessage()).isEqualTo(sqlState);
        assertThat(e.getMessage()).containsIgnoringCase(named);
    }

    private static GuardException catchGuard(String sql) {
        return catchGuard(GUARD, sql);
    }

    private static GuardException catchGuard(SqlGuard guard, String sql) {
        try {
            guard.check(sql);
        } catch (GuardException e) {
            return e;
        }
        throw new AssertionError("not refused: " + sql);
    }
}
