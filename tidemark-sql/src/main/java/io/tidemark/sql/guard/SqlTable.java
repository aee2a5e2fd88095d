package io.tidemark.sql.guard;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Aggregation;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One table a tenant's SQL may read, with the columns a reader sees ({@code timestamp}, {@code rtId}, then the
 * archive's own).
 *
 * @param kind what the name stands for
 * @param name the archive's name ({@code raw}); a live table's SQL name is {@link #sqlName()}
 * @param columns in table order
 */
public record SqlTable(Kind kind, String name, List<Column> columns) {

    /** What a table name stands for. */
    public enum Kind {
        /** A raw archive: its stored table. */
        ARCHIVE(null),
        /** A rollup archive, read through its reader view: aggregates as values, never the stored partials. */
        ROLLUP(null),
        /** {@code latest.<archive>}: the live table of each rtId's latest sample, as a one-shot snapshot. */
        LATEST("latest"),
        /** {@code recent.<archive>}: the live table of recent samples, as a one-shot snapshot. */
        RECENT("recent");

        private final String schema;

        Kind(String schema) {
            this.schema = schema;
        }

        /** The schema a live table is named with ({@code latest}, {@code recent}); null for the tenant's own. */
        public String schema() {
            return schema;
        }

        public boolean live() {
            return schema != null;
        }
    }

    public SqlTable {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
    }

    /** The name in SQL: {@code raw}, or {@code latest.raw} for a live table. */
    public String sqlName() {
        return kind.live() ? kind.schema() + "." + name : name;
    }

    /** An archive or rollup archive as readers see it. */
    public static SqlTable of(ArchiveDefinition def) {
        return new SqlTable(def.isRollup() ? Kind.ROLLUP : Kind.ARCHIVE, def.name(), readerColumns(def));
    }

    /** A live table over {@code def} ({@link Kind#LATEST} or {@link Kind#RECENT}). */
    public static SqlTable live(Kind kind, ArchiveDefinition def) {
        if (!kind.live()) {
            throw new IllegalArgumentException(kind + " is not a live table kind");
        }
        return new SqlTable(kind, def.name(), readerColumns(def));
    }

    /**
     * {@code timestamp}, {@code rtId}, then for a raw archive its columns and for a rollup each aggregation by name:
     * AVG as a DOUBLE value, the others with their stored type; FIRST / LAST without their {@code __ts} partials.
     * The same values as {@link RollupPlan#readValues}.
     */
    public static List<Column> readerColumns(ArchiveDefinition def) {
        List<Column> out = new ArrayList<>();
        out.add(new Column(RollupPlan.TIMESTAMP, ColumnType.TIMESTAMP));
        out.add(new Column("rtId", ColumnType.VARCHAR));
        if (!def.isRollup()) {
            out.addAll(def.columns());
            return out;
        }
        for (Aggregation a : def.rollup().aggregations()) {
            ColumnType t = a.function() == AggregateFunction.AVG ? ColumnType.DOUBLE
                    : def.requireColumn(a.as()).type();
            out.add(new Column(a.as(), t));
        }
        return out;
    }
}
