package io.tidemark.store;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The allow-list of the one-tenant transaction contract ({@link PostgresOneTenantTransactionsIT}): every object of the
 * shared metadata schema {@code tidemark} that a store transaction may touch today, how, and why. It is also the
 * to-do list for the store on Citus schema-based sharding (docs/scale-out.md, "Store scale-out on paper"): Citus
 * places each tenant's schema on one node, so a transaction that keeps to one schema runs there alone, while one that
 * also writes or locks a shared table spans nodes. An entry whose {@link Plan} is {@code MOVE_FIRST} or {@code MOVE}
 * is removed from this list when its rows move into the tenant's schema; a new shared table, or a new use of a listed
 * one, fails the contract until it is added here with its reason.
 *
 * <p>Uses are given twice: in a transaction that also touches a tenant's schema (its tables, the schema itself or its
 * reader role), and in one that touches only shared objects. A tenant-keyed table (a {@link Entry#key() key column})
 * may only be reached through that column, bound to the transaction's one tenant. DDL on a listed object in a
 * transaction that touches no tenant is the metadata migration at open, and always allowed.
 */
final class SharedTables {
    private SharedTables() {}

    /** What a statement does to an object. */
    enum Use {
        /** {@code SELECT}, or read by a statement that writes elsewhere. */
        READ,
        /** {@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code COPY}, {@code nextval}. */
        WRITE,
        /** {@code SELECT … FOR UPDATE} or {@code FOR SHARE}. */
        LOCK,
        /** {@code CREATE}, {@code ALTER}, {@code DROP}, {@code GRANT}. */
        DDL
    }

    /** What must happen to the object before Tidemark's store runs on Citus schema-based sharding. */
    enum Plan {
        /** Per-tenant runtime state written and locked by ingest and the orchestrator: into the tenant's schema first. */
        MOVE_FIRST,
        /** Per-tenant rows written with a tenant's schema in the same transaction: into the tenant's schema. */
        MOVE,
        /** Global by nature: stays shared (a Citus reference table or a coordinator table); no tenant transaction writes it. */
        STAYS_SHARED
    }

    /**
     * @param key the column holding the tenant, or null when rows are not per tenant (then any row may be reached)
     * @param withTenant the uses allowed in a transaction that also touches a tenant's schema
     * @param alone the uses allowed in a transaction that touches only shared objects
     */
    record Entry(String name, String key, Set<Use> withTenant, Set<Use> alone, Plan plan, String why) {}

    private static final Set<Use> NONE = EnumSet.noneOf(Use.class);

    static final Map<String, Entry> ALLOWED = entries(
            new Entry("rollups", "tenant", EnumSet.of(Use.READ, Use.WRITE, Use.LOCK), EnumSet.of(Use.READ, Use.WRITE),
                    Plan.MOVE_FIRST, "rollup definitions and runtime state (status, watermark, pending_watermark, "
                    + "failures): an ingest write locks its dependants' rows FOR SHARE and reads them; an aggregate, a "
                    + "recompute and the jump over an empty stretch lock the rollup's row FOR UPDATE and write it with "
                    + "the rollup archive's rows; the watermark compare-and-set and state updates write it alone"),
            new Entry("stale_ranges", "tenant", EnumSet.of(Use.READ, Use.WRITE), EnumSet.of(Use.READ),
                    Plan.MOVE_FIRST, "late data: an ingest write records stale ranges in its own transaction, a "
                    + "recompute consumes them with the rows it re-aggregates"),
            new Entry("archives", "tenant", EnumSet.of(Use.READ, Use.WRITE), EnumSet.of(Use.READ, Use.WRITE),
                    Plan.MOVE, "archive definitions and status: created, deleted, re-read and locked in with the "
                    + "archive's table (CREATE / DROP TABLE in the same transaction)"),
            new Entry("archive_columns", "tenant", EnumSet.of(Use.READ, Use.WRITE), EnumSet.of(Use.READ), Plan.MOVE,
                    "archive columns, written with the archive's table"),
            new Entry("rollup_aggregations", "tenant", EnumSet.of(Use.READ, Use.WRITE), EnumSet.of(Use.READ),
                    Plan.MOVE, "rollup aggregations, written with the rollup archive's table"),
            new Entry("audit", "tenant", EnumSet.of(Use.WRITE), EnumSet.of(Use.READ, Use.WRITE), Plan.MOVE,
                    "the audit trail: an ingest write appends LATE_SKIPPED in its own transaction (so the entry "
                    + "commits with the rows), and the cluster's log write LOG_REJECTED in the transaction that moves "
                    + "the tenant's log position past the refused record; every other entry is a transaction of its "
                    + "own"),
            new Entry("seq", null, EnumSet.of(Use.WRITE), EnumSet.of(Use.WRITE), Plan.MOVE,
                    "the metadata sequence: an archive's creation order (archives.seq) and audit entry ids; nextval "
                    + "inside a tenant's transaction. Per-tenant sequences once archives and audit move"),
            new Entry("tenants", "name", EnumSet.of(Use.READ, Use.WRITE), EnumSet.of(Use.READ), Plan.STAYS_SHARED,
                    "the directory of tenants: a tenant's own row, read by every transaction that creates something "
                    + "for it and by the cluster's log write (does the tenant exist?) and written once, with CREATE "
                    + "SCHEMA; the list of all tenants "
                    + "is read alone"),
            new Entry("tokens", null, NONE, EnumSet.of(Use.READ, Use.WRITE), Plan.STAYS_SHARED,
                    "API tokens: a request's token is looked up by its hash before its tenant is known, and ids and "
                    + "hashes are unique across tenants; no transaction that touches a tenant's schema reads it"),
            new Entry("schema_version", null, NONE, EnumSet.of(Use.READ, Use.WRITE), Plan.STAYS_SHARED,
                    "the metadata schema's version: the migration at open, a transaction of its own"),
            new Entry("tidemark", null, NONE, EnumSet.of(Use.DDL), Plan.STAYS_SHARED,
                    "the metadata schema itself and its tables, created and migrated at open in one transaction"));

    private static Map<String, Entry> entries(Entry... entries) {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            out.put(e.name(), e);
        }
        return Collections.unmodifiableMap(out);
    }
}
