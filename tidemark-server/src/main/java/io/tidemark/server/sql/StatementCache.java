package io.tidemark.server.sql;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one connection learnt about its statement texts (the guard's verdict and rewrite, the engine's description),
 * kept for the {@value #MAX_STATEMENTS} texts used last. A Grafana dashboard or a program sends the same few texts
 * again and again, and parsing, rewriting and describing one on the engine costs more than running a small query.
 * The session clears it whenever the tenant's archives change, since every entry derives from them. Not thread-safe:
 * used by the connection's thread only.
 */
final class StatementCache<V> {
    static final int MAX_STATEMENTS = 64;

    private final Map<String, V> entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
            return size() > MAX_STATEMENTS;
        }
    };

    /** The entry for a text, or null. */
    V get(String key) {
        return entries.get(key);
    }

    void put(String key, V value) {
        entries.put(key, value);
    }

    void clear() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }
}
