package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuckDbTenantSqlIT extends TenantSqlContract {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return TestStores.duckDb(dir);
    }

    @Override
    protected boolean isolatesTenants() {
        return false;
    }

    /**
     * The differences docs/sql.md ("Arithmetic") documents, DuckDB's side: {@code round} of a double rounds half away
     * from zero and takes a second argument; division by zero answers NULL.
     */
    @Test
    void query_roundOfADoubleAndDivisionByZero_duckdbsRules() {
        assertThat(all("SELECT round(CAST(2.5 AS DOUBLE PRECISION)) AS a, round(CAST(3.5 AS DOUBLE PRECISION)) AS b, "
                + "round(CAST(2.25 AS DOUBLE PRECISION), 1) AS c")).containsExactly(List.of(3.0, 4.0, 2.3));
        assertThat(all("SELECT 1 / 0 AS a, CAST(1 AS DOUBLE PRECISION) / 0 AS b"))
                .containsExactly(java.util.Arrays.asList(null, null));
    }

    /** DuckDB's default zone is the host's, which a test cannot change in-process: only the JVM's is not UTC. */
    @Override
    protected Store newStoreOutsideUtc() {
        return TestStores.duckDb(dir.resolve("zoned"));
    }
}
