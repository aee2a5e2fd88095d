package io.tidemark.store;

import java.util.List;

/** The append-only audit trail of a store. Entries are never updated or deleted. */
public interface AuditTrail {

    /** Appends and returns the entry with its id. */
    AuditEntry append(AuditEntry entry);

    /** A page of entries matching the query, newest first (by id, descending). */
    List<AuditEntry> query(AuditQuery query);
}
