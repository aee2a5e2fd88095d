package io.tidemark.store;

import io.tidemark.core.ColumnType;

/**
 * One column of a {@link SqlRows} result: its label and the Tidemark type its values have in Java
 * ({@link ColumnType#TIMESTAMP} → {@link java.time.Instant}, DOUBLE → {@link Double}, BIGINT → {@link Long},
 * BOOLEAN → {@link Boolean}, VARCHAR → {@link String}). Engine types map onto the nearest: integers to BIGINT
 * (wider ones, such as DuckDB's HUGEINT sum of bigints, to DOUBLE, as PostgreSQL's numeric sum), floating and decimal
 * numbers to DOUBLE, dates and timestamps to TIMESTAMP, everything else to its text as VARCHAR.
 */
public record SqlColumn(String name, ColumnType type) {}
