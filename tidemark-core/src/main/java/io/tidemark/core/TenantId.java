package io.tidemark.core;

/** A tenant: every object and every row belongs to exactly one. Its data lives in a schema of the same name. */
public record TenantId(String value) {
    public TenantId {
        Names.requireTenant(value);
    }

    public static TenantId of(String value) {
        return new TenantId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
