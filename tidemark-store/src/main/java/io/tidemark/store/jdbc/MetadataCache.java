package io.tidemark.store.jdbc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Values read from the store's metadata (archives, tokens, dependant rollups), kept while no transaction could have
 * changed them. Only on a single-writer engine: there one process owns the database and every change goes through
 * {@link JdbcStore#inTransaction}, which bumps {@link JdbcStore#metadataVersion()} when it ends. Elsewhere (several
 * servers on one PostgreSQL) every {@link #get} reads. On embedded DuckDB each of these reads costs about half a
 * millisecond to a millisecond, which is most of a small batch's write.
 *
 * <p>The version is taken before the read, so a change racing with the read leaves the entry outdated, never wrongly
 * current. Values must be immutable. Thread-safe.
 */
final class MetadataCache<V> {
    /** A read of the value; null means "none", which is not kept. */
    interface Loader<V, E extends Exception> {
        V load() throws E;
    }

    private record Entry<V>(long version, V value) {}

    private final JdbcStore store;
    private final Map<String, Entry<V>> entries = new ConcurrentHashMap<>();

    MetadataCache(JdbcStore store) {
        this.store = store;
    }

    <E extends Exception> V get(String key, Loader<V, E> loader) throws E {
        if (!store.engine().singleWriter()) {
            return loader.load();
        }
        long version = store.metadataVersion();
        Entry<V> hit = entries.get(key);
        if (hit != null && hit.version() == version) {
            return hit.value();
        }
        V value = loader.load();
        if (value == null) {
            entries.remove(key);
        } else {
            entries.put(key, new Entry<>(version, value));
        }
        return value;
    }
}
