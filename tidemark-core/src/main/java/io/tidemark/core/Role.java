package io.tidemark.core;

import java.util.Locale;

/**
 * What a caller may do within its tenant. Roles are ordered: each includes everything the ones before it may do.
 * The names are part of the public contract (tokens, the wire, logs).
 */
public enum Role {
    /** Reads: archives, rollups, the audit trail, stream data. */
    READER,
    /** A reader that may also ingest samples. */
    WRITER,
    /** A writer that may also create, delete, activate and disable archives and operate rollups. */
    ADMIN;

    /** Whether this role may do what {@code required} may. */
    public boolean includes(Role required) {
        return compareTo(required) >= 0;
    }

    /** Parses {@code reader}, {@code writer} or {@code admin}, case-insensitively. */
    public static Role parse(String text) {
        for (Role r : values()) {
            if (r.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return r;
            }
        }
        throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                "unknown role '" + text + "': use reader, writer or admin");
    }

    /** The lower-case form used on the command line and in documentation. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
