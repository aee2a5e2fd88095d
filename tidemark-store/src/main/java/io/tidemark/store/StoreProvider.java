package io.tidemark.store;

/**
 * A database engine behind {@link Store}, found through {@link java.util.ServiceLoader}. Exactly one provider
 * accepts any JDBC URL.
 */
public interface StoreProvider {

    /** A short name: "duckdb", "postgresql". */
    String name();

    boolean accepts(String jdbcUrl);

    /** Opens the store, creating or migrating Tidemark's metadata tables. */
    Store open(StoreConfig config);
}
