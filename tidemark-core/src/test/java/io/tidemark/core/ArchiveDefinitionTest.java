package io.tidemark.core;

import static io.tidemark.core.ColumnType.BIGINT;
import static io.tidemark.core.ColumnType.BOOLEAN;
import static io.tidemark.core.ColumnType.DOUBLE;
import static io.tidemark.core.ColumnType.TIMESTAMP;
import static io.tidemark.core.ColumnType.VARCHAR;
import static io.tidemark.core.TidemarkAssertions.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ArchiveDefinitionTest {

    @Test
    void raw_columns_areKeptInOrderAndImmutable() {
        List<Column> cols = new ArrayList<>(List.of(Column.of("temp", DOUBLE), Column.of("state", VARCHAR)));
        ArchiveDefinition a = ArchiveDefinition.raw("plant", cols);
        cols.clear();
        assertThat(a.columns()).extracting(Column::name).containsExactly("temp", "state");
        assertThat(a.isRollup()).isFalse();
        assertThat(a.rollup()).isNull();
    }

    @Test
    void raw_noColumns_failsWithInvalidArgument() {
        assertFails(() -> ArchiveDefinition.raw("plant", List.of()), ErrorCode.INVALID_ARGUMENT, "'plant'",
                "at least one column");
    }

    @Test
    void raw_sameColumnTwice_failsWithDuplicateColumn() {
        assertFails(() -> ArchiveDefinition.raw("plant", List.of(Column.of("temp", DOUBLE), Column.of("temp", BIGINT))),
                ErrorCode.DUPLICATE_COLUMN, "'plant'", "'temp'");
    }

    @Test
    void raw_badArchiveName_failsWithInvalidName() {
        assertFails(() -> ArchiveDefinition.raw("Plant", List.of(Column.of("temp", DOUBLE))), ErrorCode.INVALID_NAME,
                "archive", "'Plant'");
    }

    @Test
    void requireColumn_unknown_failsNamingTheArchiveAndItsColumns() {
        ArchiveDefinition a = ArchiveDefinition.raw("plant",
                List.of(Column.of("temp", DOUBLE), Column.of("on", BOOLEAN)));
        assertThat(a.requireColumn("on")).isEqualTo(new Column("on", BOOLEAN));
        assertThat(a.column("off")).isEmpty();
        assertFails(() -> a.requireColumn("off"), ErrorCode.UNKNOWN_COLUMN, "'plant'", "'off'", "[temp, on]");
    }

    @Test
    void columnOf_timestampType_failsWithInvalidArgument() {
        assertFails(() -> Column.of("t", TIMESTAMP), ErrorCode.INVALID_ARGUMENT, "'t'", "TIMESTAMP");
    }

    @Test
    void columnOf_reservedName_failsWithReservedName() {
        assertFails(() -> Column.of("timestamp", DOUBLE), ErrorCode.RESERVED_NAME, "'timestamp'");
        assertFails(() -> Column.of("x__sum", DOUBLE), ErrorCode.RESERVED_NAME, "'x__sum'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"double", "BIGINT", "Boolean", "varchar"})
    void parseUserType_userTypes_parseCaseInsensitively(String text) {
        assertThat(ColumnType.parseUserType(text).name()).isEqualToIgnoringCase(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"timestamp", "int", "string", ""})
    void parseUserType_otherText_failsWithInvalidArgument(String text) {
        assertFails(() -> ColumnType.parseUserType(text), ErrorCode.INVALID_ARGUMENT, "'" + text + "'", "DOUBLE");
    }

    @Test
    void isNumeric_onlyDoubleAndBigint() {
        assertThat(EnumSet.allOf(ColumnType.class)).filteredOn(ColumnType::isNumeric).containsExactly(DOUBLE, BIGINT);
    }

    @ParameterizedTest
    @EnumSource(value = ColumnType.class, names = {"DOUBLE", "BIGINT", "BOOLEAN", "VARCHAR"})
    void accepts_eachUserType_matchesTheSpec(ColumnType t) {
        assertThat(AggregateFunction.COUNT.accepts(t)).isTrue();
        assertThat(AggregateFunction.FIRST.accepts(t)).isTrue();
        assertThat(AggregateFunction.LAST.accepts(t)).isTrue();
        assertThat(AggregateFunction.SUM.accepts(t)).isEqualTo(t.isNumeric());
        assertThat(AggregateFunction.AVG.accepts(t)).isEqualTo(t.isNumeric());
        assertThat(AggregateFunction.MIN.accepts(t)).isEqualTo(t != BOOLEAN);
        assertThat(AggregateFunction.MAX.accepts(t)).isEqualTo(t != BOOLEAN);
    }

    @Test
    void tidemarkException_toString_startsWithTheCode() {
        TidemarkException e = new TidemarkException(ErrorCode.NOT_FOUND, "no archive 'x'");
        assertThat(e).hasToString("NOT_FOUND: no archive 'x'");
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
    }
}
