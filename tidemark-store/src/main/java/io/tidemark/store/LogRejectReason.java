package io.tidemark.store;

/**
 * Why the store refused a log record it had acknowledged (docs/scale-out.md, "A batch the store refuses after it was
 * acknowledged"). The lower-case {@link #label()} is stored in {@code "_log_rejects".reason} and is the value of the
 * metric tag {@code reason}; both are part of the public contract.
 */
public enum LogRejectReason {
    /** The archive was deleted. */
    NOT_FOUND,
    /** The archive exists but is not ACTIVATED (disabled), or is a rollup archive. */
    NOT_ACTIVATED,
    /** The archive was deleted and created again: another definition version than the batch was validated against. */
    RECREATED,
    /** Samples fell below the archive's retention horizon while the batch waited in the log. */
    RETENTION,
    /** The writer refused the record itself (it could not read it); the detail says why. */
    UNREADABLE;

    /** The stored name: {@code not_found}, {@code not_activated}, {@code recreated}, {@code retention}, … */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The reason of a stored label; {@code IllegalArgumentException} for an unknown one. */
    public static LogRejectReason ofLabel(String label) {
        return valueOf(label.toUpperCase(java.util.Locale.ROOT));
    }
}
