package io.tidemark.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.graphql.StreamCursor;
import io.tidemark.store.ReadRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExportParamsTest {
    @Test
    void parse_nothing_wholeRangeNdjsonNoLimit() {
        ExportParams p = ExportParams.parse(Map.of());
        assertThat(p.csv()).isFalse();
        assertThat(p.from()).isEqualTo(Instant.parse("1900-01-01T00:00:00Z"));
        assertThat(p.to()).isEqualTo(Instant.parse("2200-01-01T00:00:00Z"));
        assertThat(p.rtIds()).isEmpty();
        assertThat(p.limit()).isZero();
        assertThat(p.after()).isNull();
    }

    @Test
    void parse_everything_readsEachParameter() {
        ReadRequest.Key key = new ReadRequest.Key(Instant.parse("2025-01-01T00:00:00.000001Z"), "s,1");
        ExportParams p = ExportParams.parse(Map.of("format", List.of("CSV"), "from", List.of("2025-01-01T01:00:00+01:00"),
                "to", List.of("2025-01-02T00:00:00Z"), "rtId", List.of("a", "b"), "limit", List.of("10"),
                "after", List.of(StreamCursor.encode(key))));
        assertThat(p.csv()).isTrue();
        assertThat(p.from()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
        assertThat(p.rtIds()).containsExactly("a", "b");
        assertThat(p.limit()).isEqualTo(10);
        assertThat(p.after()).isEqualTo(key);
    }

    @Test
    void parse_badValues_invalidArgumentNamingTheParameter() {
        assertRefused(Map.of("format", List.of("xml")), "'format'");
        assertRefused(Map.of("from", List.of("2025-01-01")), "'from'");
        assertRefused(Map.of("to", List.of("1800-01-01T00:00:00Z")), "'to'");
        assertRefused(Map.of("limit", List.of("-1")), "'limit'");
        assertRefused(Map.of("limit", List.of("99999999999999999999")), "'limit'");
        assertRefused(Map.of("rtId", List.of("x".repeat(129))), "'rtId'");
        assertRefused(Map.of("limit", List.of("1", "2")), "'limit'");
        assertRefused(Map.of("rtIds", List.of("a")), "'rtIds'");
        assertRefused(Map.of("after", List.of("bogus")), "after");
    }

    private static void assertRefused(Map<String, List<String>> query, String names) {
        assertThatThrownBy(() -> ExportParams.parse(query)).isInstanceOfSatisfying(TidemarkException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(names);
        });
    }
}
