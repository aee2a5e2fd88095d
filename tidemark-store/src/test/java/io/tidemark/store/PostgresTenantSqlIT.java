package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresTenantSqlIT extends TenantSqlContract {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }

    @Override
    protected boolean isolatesTenants() {
        return true;
    }

    /**
     * The differences docs/sql.md ("Arithmetic") documents, PostgreSQL's side: {@code round} of a double rounds half
     * to even, has no second argument (42883), and division by zero fails (22012).
     */
    @Test
    void query_roundOfADoubleAndDivisionByZero_postgresqlsRules() {
        assertThat(all("SELECT round(CAST(2.5 AS DOUBLE PRECISION)) AS a, round(CAST(3.5 AS DOUBLE PRECISION)) AS b"))
                .containsExactly(List.of(2.0, 4.0));
        assertThat(failure("SELECT round(CAST(2.25 AS DOUBLE PRECISION), 1)").sqlState()).isEqualTo("42883");
        assertThat(failure("SELECT 1 / 0").sqlState()).isEqualTo("22012");
        assertThat(failure("SELECT CAST(1 AS DOUBLE PRECISION) / 0").sqlState()).isEqualTo("22012");
    }

    /** A new database whose default {@code timezone} is Asia/Kolkata (+05:30). */
    @Override
    protected Store newStoreOutsideUtc() {
        String url = TestStores.postgresDatabase();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            s.execute("ALTER DATABASE \"" + rs.getString(1) + "\" SET timezone TO 'Asia/Kolkata'");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return TestStores.open(url);
    }
}
