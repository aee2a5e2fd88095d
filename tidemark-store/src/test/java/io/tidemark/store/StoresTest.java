package io.tidemark.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StoresTest {
    @ParameterizedTest
    @CsvSource({"jdbc:duckdb:/tmp/x.duckdb, duckdb", "jdbc:duckdb:, duckdb",
            "jdbc:postgresql://localhost:5432/tm, postgresql", "jdbc:postgresql:tm, postgresql"})
    void providerFor_knownUrl_exactlyOneProviderClaims(String url, String expected) {
        assertThat(Stores.providers().stream().filter(p -> p.accepts(url))).hasSize(1);
        assertThat(Stores.providerFor(url).name()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:mysql://localhost/db", "postgres://localhost/db", ""})
    void providerFor_unknownUrl_namesSupportedEngines(String url) {
        assertThatThrownBy(() -> Stores.providerFor(url)).isInstanceOfSatisfying(TidemarkException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains("duckdb", "postgresql");
        });
    }
}
