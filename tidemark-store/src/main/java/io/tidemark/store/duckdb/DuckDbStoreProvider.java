package io.tidemark.store.duckdb;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.Store;
import io.tidemark.store.StoreConfig;
import io.tidemark.store.StoreProvider;
import io.tidemark.store.jdbc.JdbcStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.duckdb.DuckDBConnection;

/** The embedded default: {@code jdbc:duckdb:/path/to/tidemark.duckdb}. */
public final class DuckDbStoreProvider implements StoreProvider {
    private static final String PREFIX = "jdbc:duckdb:";

    @Override
    public String name() {
        return "duckdb";
    }

    @Override
    public boolean accepts(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.startsWith(PREFIX);
    }

    @Override
    public Store open(StoreConfig config) {
        String url = config.jdbcUrl();
        String path = url.substring(PREFIX.length());
        if (path.indexOf('?') >= 0) {
            // The driver would take "?…" as part of the file name and silently open another, empty store.
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "DuckDB URL '" + url + "': DuckDB takes settings "
                    + "after ';', not '?' (e.g. jdbc:duckdb:./data/tidemark.duckdb;memory_limit=512MB)");
        }
        int semicolon = path.indexOf(';');
        String file = semicolon < 0 ? path : path.substring(0, semicolon);
        try {
            if (!file.isEmpty() && !file.startsWith(":memory:")) {
                Path parent = Path.of(file).toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
            }
            DuckDBConnection root = (DuckDBConnection) DriverManager.getConnection(url);
            return new JdbcStore(new DuckDbEngine(root, file.isEmpty() ? "in-memory" : file,
                    config.timeouts().statement()), config.clock(), config.timeouts());
        } catch (SQLException | IOException e) {
            throw new TidemarkException(ErrorCode.STORE_ERROR, "cannot open DuckDB store at '" + file + "': "
                    + e.getMessage() + (e.getMessage() != null && e.getMessage().contains("lock")
                    ? " (is another Tidemark using this data directory?)" : ""), e);
        }
    }
}
