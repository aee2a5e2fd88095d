package io.tidemark.core;

import static io.tidemark.core.TidemarkAssertions.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    private static final String LONGEST = "a" + "b".repeat(62);
    private static final String TOO_LONG = "a" + "b".repeat(63);

    @ParameterizedTest
    @ValueSource(strings = {"a", "acme", "plant_7", "a_", "a1", "z9_x", "select", "tidemark_prod"})
    void require_validName_returnsIt(String name) {
        assertThat(Names.require("archive", name)).isEqualTo(name);
        assertThat(Names.requireTenant(name)).isEqualTo(name);
        assertThat(Names.requireColumn(name)).isEqualTo(name);
    }

    @Test
    void require_64Characters_isRefused() {
        assertThat(TOO_LONG).hasSize(64);
        assertFails(() -> Names.require("archive", TOO_LONG), ErrorCode.INVALID_NAME, TOO_LONG);
    }

    @Test
    void require_63Characters_isAccepted() {
        assertThat(LONGEST).hasSize(63);
        assertThat(Names.require("archive", LONGEST)).isEqualTo(LONGEST);
        assertThat(Names.requireTenant(LONGEST)).isEqualTo(LONGEST);
        assertThat(Names.requireColumn(LONGEST)).isEqualTo(LONGEST);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"Acme", "ACME", "1plant", "_plant", "plant-7", "plant 7", "plant.7", "plänt", "plant\n",
        " plant", "plant;drop", "\"plant\"",
        "abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"})
    void require_invalidName_failsWithInvalidNameNamingKindAndValue(String name) {
        assertFails(() -> Names.require("archive", name), ErrorCode.INVALID_NAME, "archive", "'" + name + "'",
                "1 to 63 characters");
        assertFails(() -> Names.requireTenant(name), ErrorCode.INVALID_NAME, "tenant", "'" + name + "'");
        assertFails(() -> Names.requireColumn(name), ErrorCode.INVALID_NAME, "column", "'" + name + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tidemark", "public", "main", "information_schema", "temp", "pg_temp", "system",
        "pg_catalog", "pg_toast", "pg_anything", "duckdb", "duckdb_internal"})
    void requireTenant_reservedSchema_failsWithReservedName(String name) {
        assertFails(() -> Names.requireTenant(name), ErrorCode.RESERVED_NAME, "'" + name + "'", "reserved");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pg", "pgx", "publicity", "mainline", "temperature", "systems"})
    void requireTenant_nameMerelyResemblingAReservedOne_isAccepted(String name) {
        assertThat(Names.requireTenant(name)).isEqualTo(name);
    }

    @Test
    void tenantId_reservedOrInvalid_isRefused() {
        assertThat(TenantId.of("acme")).hasToString("acme");
        assertFails(() -> TenantId.of("public"), ErrorCode.RESERVED_NAME, "public");
        assertFails(() -> TenantId.of("Acme"), ErrorCode.INVALID_NAME, "Acme");
    }

    @ParameterizedTest
    @ValueSource(strings = {"timestamp", "rtid", "rtId", "RTID", "Timestamp"})
    void requireColumn_implicitColumn_failsWithReservedName(String name) {
        assertFails(() -> Names.requireColumn(name), ErrorCode.RESERVED_NAME, "'" + name + "'", "implicit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a__b", "temp__sum", "temp__count", "temp__ts", "a__"})
    void requireColumn_doubleUnderscore_failsWithReservedName(String name) {
        assertFails(() -> Names.requireColumn(name), ErrorCode.RESERVED_NAME, "'" + name + "'", "__");
    }

    @ParameterizedTest
    @ValueSource(strings = {"timestamp", "rtid", "a__b", "public"})
    void require_archiveName_hasNoReservedWords(String name) {
        assertThat(Names.require("archive", name)).isEqualTo(name);
    }

    @Test
    void rollupId_invalidNames_areRefused() {
        assertThat(RollupId.of("acme", "temp_1h")).hasToString("acme.temp_1h");
        assertFails(() -> RollupId.of("acme", "Temp"), ErrorCode.INVALID_NAME, "archive", "Temp");
        assertFails(() -> RollupId.of("pg_x", "temp"), ErrorCode.RESERVED_NAME, "pg_x");
    }
}
