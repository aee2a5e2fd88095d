package io.tidemark.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

class PostgresTenantSqlIT extends TenantSqlContract {
    @Override
    protected Store newStore() {
        return TestStores.postgres();
    }

    @Override
    protected boolean isolatesTenants() {
        return true;
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
