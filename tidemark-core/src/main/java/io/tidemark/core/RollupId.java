package io.tidemark.core;

import java.util.Objects;

/** A rollup archive of a tenant. */
public record RollupId(TenantId tenant, String name) {
    public RollupId {
        Objects.requireNonNull(tenant, "tenant");
        Names.require("archive", name);
    }

    public static RollupId of(String tenant, String name) {
        return new RollupId(TenantId.of(tenant), name);
    }

    @Override
    public String toString() {
        return tenant + "." + name;
    }
}
