package io.tidemark.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectionConfigTest {
    @ParameterizedTest
    @CsvSource({
        "http://127.0.0.1:8080, http://127.0.0.1:8080",
        "http://127.0.0.1:8080/, http://127.0.0.1:8080",
        "ws://127.0.0.1:8080, http://127.0.0.1:8080",
        "ws://127.0.0.1:8080/api/v1/live, http://127.0.0.1:8080",
        "WSS://tidemark.example.com/api/v1/live/, https://tidemark.example.com",
        "https://tidemark.example.com:8443/tm/, https://tidemark.example.com:8443/tm",
        "wss://tidemark.example.com/tm/api/v1/live, https://tidemark.example.com/tm",
        "http://[::1]:8080, http://[::1]:8080",
    })
    void uri_eitherFormAUserCopies_becomesTheServersBase(String given, String base) {
        assertThat(ConnectionConfig.builder(URI.create(given)).build().uri()).isEqualTo(URI.create(base));
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:8080", "ftp://127.0.0.1/", "localhost", "/api/v1/live", "http:///x"})
    void uri_withoutHttpOrWsSchemeAndHost_isRefusedWithTheExpectedForm(String given) {
        assertThatThrownBy(() -> ConnectionConfig.builder(URI.create(given)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + given + "'")
                .hasMessageContaining("http://127.0.0.1:8080");
    }
}
