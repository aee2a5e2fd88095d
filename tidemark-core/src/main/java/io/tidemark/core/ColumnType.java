package io.tidemark.core;

/** Column types of archives. {@link #TIMESTAMP} appears only in stored partials (FIRST / LAST). */
public enum ColumnType {
    DOUBLE,
    BIGINT,
    BOOLEAN,
    VARCHAR,
    TIMESTAMP;

    public boolean isNumeric() {
        return this == DOUBLE || this == BIGINT;
    }

    /** Parses a user-facing type name, case-insensitively; TIMESTAMP is not a user column type. */
    public static ColumnType parseUserType(String text) {
        for (ColumnType t : values()) {
            if (t != TIMESTAMP && t.name().equalsIgnoreCase(text)) {
                return t;
            }
        }
        throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                "unknown column type '" + text + "': use DOUBLE, BIGINT, BOOLEAN or VARCHAR");
    }
}
