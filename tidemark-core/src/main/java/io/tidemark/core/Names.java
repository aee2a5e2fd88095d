package io.tidemark.core;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Validation of the names users choose: tenants, archives and columns, all {@code [a-z][a-z0-9_]{0,62}}. */
public final class Names {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    /** Schema names that a tenant may not take, because the engines or Tidemark itself use them. */
    private static final Set<String> RESERVED_TENANTS =
            Set.of("tidemark", "public", "main", "information_schema", "temp", "pg_temp", "system");
    /** Column names that clash with the implicit columns or with the suffixes of stored partials. */
    private static final Set<String> RESERVED_COLUMNS = Set.of("timestamp", "rtid");

    private Names() {}

    /**
     * Checks {@code value} against the name pattern.
     *
     * @param kind what the name is for, used in the message ("tenant", "archive", "column")
     * @throws TidemarkException {@link ErrorCode#INVALID_NAME} naming the value and the rule
     */
    public static String require(String kind, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new TidemarkException(ErrorCode.INVALID_NAME, "invalid " + kind + " name '" + value
                    + "': use 1 to 63 characters, a lower-case letter first, then lower-case letters, digits or '_'");
        }
        return value;
    }

    public static String requireTenant(String value) {
        require("tenant", value);
        if (RESERVED_TENANTS.contains(value) || value.startsWith("pg_") || value.startsWith("duckdb")) {
            throw new TidemarkException(ErrorCode.RESERVED_NAME,
                    "tenant name '" + value + "' is reserved by Tidemark or the database; choose another");
        }
        return value;
    }

    public static String requireColumn(String value) {
        // Before the pattern check, so that 'rtId' is reported as reserved rather than as not lower-case.
        if (value != null && RESERVED_COLUMNS.contains(value.toLowerCase(Locale.ROOT))) {
            throw reservedColumn(value);
        }
        require("column", value);
        if (value.contains("__")) {
            throw reservedColumn(value);
        }
        return value;
    }

    private static TidemarkException reservedColumn(String value) {
        return new TidemarkException(ErrorCode.RESERVED_NAME, "column name '" + value
                + "' is reserved: 'timestamp' and 'rtId' are implicit, and '__' marks stored partials");
    }
}
