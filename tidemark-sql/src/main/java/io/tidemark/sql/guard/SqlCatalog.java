package io.tidemark.sql.guard;

import io.tidemark.core.Names;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The tables one tenant's SQL may read, by SQL name ({@code raw}, {@code latest.raw}). Immutable; build a new one when
 * archives change.
 */
public final class SqlCatalog {
    private final String tenant;
    private final Map<String, SqlTable> tables;

    private SqlCatalog(String tenant, Map<String, SqlTable> tables) {
        this.tenant = tenant;
        this.tables = tables;
    }

    /**
     * @param tenant the tenant's name, which is also its schema: {@code acme.raw} names {@code raw}
     * @throws IllegalArgumentException when two tables have one SQL name
     */
    public static SqlCatalog of(String tenant, Collection<SqlTable> tables) {
        Names.requireTenant(tenant);
        Map<String, SqlTable> byName = new LinkedHashMap<>();
        for (SqlTable t : tables) {
            if (byName.put(t.sqlName(), t) != null) {
                throw new IllegalArgumentException("two tables named " + t.sqlName());
            }
        }
        return new SqlCatalog(tenant, Map.copyOf(byName));
    }

    public String tenant() {
        return tenant;
    }

    /** Every table, in no particular order. */
    public List<SqlTable> tables() {
        return List.copyOf(tables.values());
    }

    /**
     * The table a SQL name resolves to.
     *
     * @param schema the name's schema, already unquoted or case-folded: null, the tenant, {@code latest} or
     *     {@code recent}
     */
    Optional<SqlTable> find(String schema, String name) {
        if (schema == null || schema.equals(tenant)) {
            SqlTable t = tables.get(name);
            return t == null || t.kind().live() ? Optional.empty() : Optional.of(t);
        }
        return Optional.ofNullable(tables.get(schema + "." + name));
    }

    /** Whether {@code schema} is one the tenant's SQL may name: its own, {@code latest} or {@code recent}. */
    boolean readable(String schema) {
        return schema.equals(tenant) || schema.equals(SqlTable.Kind.LATEST.schema())
                || schema.equals(SqlTable.Kind.RECENT.schema());
    }
}
