package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.List;
import java.util.ServiceLoader;

/** Opens stores by JDBC URL through the registered {@link StoreProvider}s. */
public final class Stores {
    private Stores() {}

    public static List<StoreProvider> providers() {
        return ServiceLoader.load(StoreProvider.class, Stores.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get).toList();
    }

    /** The one provider that accepts the URL; {@code INVALID_ARGUMENT} naming the known engines otherwise. */
    public static StoreProvider providerFor(String jdbcUrl) {
        List<StoreProvider> all = providers();
        List<StoreProvider> matching = all.stream().filter(p -> p.accepts(jdbcUrl)).toList();
        if (matching.size() != 1) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "no single store provider for JDBC URL '"
                    + jdbcUrl + "' (matching: " + matching.stream().map(StoreProvider::name).toList()
                    + "); supported: " + all.stream().map(StoreProvider::name).toList()
                    + ", e.g. jdbc:duckdb:/path/tidemark.duckdb or jdbc:postgresql://host:5432/db");
        }
        return matching.get(0);
    }

    public static Store open(StoreConfig config) {
        return providerFor(config.jdbcUrl()).open(config);
    }
}
