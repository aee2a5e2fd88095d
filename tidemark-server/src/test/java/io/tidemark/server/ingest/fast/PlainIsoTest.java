package io.tidemark.server.ingest.fast;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.Micros;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlainIsoTest {
    @ParameterizedTest
    @ValueSource(strings = {"2025-01-01T00:00:00Z", "2025-01-01T00:00:00.123456Z", "2024-02-29T23:59:59.9Z",
            "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "1900-03-01T12:34:56.05Z", "2199-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z", "2000-02-29T00:00:00.000001Z"})
    void plainIsoMicros_plainForm_agreesWithInstantParse(String s) {
        assertThat(PlainIso.plainIsoMicros(s)).isEqualTo(Micros.toMicros(Instant.parse(s)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-01-01T00:00:00+01:00", "2025-02-29T00:00:00Z", "2025-01-01T24:00:00Z",
            "2025-01-01T00:00:00.1234567Z", "2025-01-01t00:00:00z", "+2025-01-01T00:00:00Z", "2025-01-01T00:00:60Z",
            "2025-1-01T00:00:00Z", "2025-01-01T00:00:00.Z", "2025-01-01 00:00:00Z", "x"})
    void plainIsoMicros_anythingElse_isLeftToTheFullParser(String s) {
        assertThat(PlainIso.plainIsoMicros(s)).isEqualTo(PlainIso.NOT_PLAIN);
    }
}
