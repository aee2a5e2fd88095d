package io.tidemark.rollup;

import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;

/**
 * PostgreSQL: a separate admin connection terminates one or two of the store's backends at random moments
 * ({@code pg_terminate_backend}), whatever they are doing — waiting for a row lock, inside a COPY, between a
 * recompute's DELETE and its INSERT, at commit. Writers see store errors and retry; the orchestrator records
 * failures and goes on.
 */
class PostgresLateRaceIT extends AbstractLateRaceIT {
    private String url;
    private Connection admin;
    private Store reopened;

    @Override
    protected Store newStore() {
        url = TestStores.postgresDatabase();
        return TestStores.open(url, clock);
    }

    @Override
    protected void fault(Random rnd, InterceptingStore hooked) throws Exception {
        if (admin == null) {
            admin = DriverManager.getConnection(url);
        }
        try (PreparedStatement ps = admin.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                + "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                + "ORDER BY random() LIMIT ?")) {
            ps.setInt(1, 1 + rnd.nextInt(2));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // each row is one terminated backend
                }
            }
        }
    }

    /** Concurrent writers hit the lost-mark race of issue 10 item 1 far more often with more batches. */
    @Override
    protected int batchesPerWriter() {
        return 60;
    }

    /** The old pool may still hold connections whose backends were terminated: settle as a restarted server. */
    @Override
    protected Store afterFaults() {
        reopened = TestStores.open(url, clock);
        return reopened;
    }

    @AfterEach
    void closeAdmin() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (reopened != null) {
            reopened.close();
        }
    }
}
