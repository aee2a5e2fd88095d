package io.tidemark.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GatewayLoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void render_ndjson_everyLineCarriesTheRequestsTimestampAndTheSeriesValues() throws Exception {
        GatewayLoad.Body body = new GatewayLoad(3).body(GatewayLoad.Format.NDJSON, 7, "unused");

        String[] lines = new String(body.render(42), StandardCharsets.US_ASCII).split("\n");

        assertThat(lines).hasSize(3);
        for (int j = 0; j < 3; j++) {
            JsonNode n = JSON.readTree(lines[j]);
            assertThat(n.path("rtId").asText()).isEqualTo("gw7-s" + j);
            assertThat(n.path("timestamp").asLong()).isEqualTo(Instant.parse("2025-01-01T00:00:42Z").toEpochMilli());
            assertThat(n.path("a").asDouble()).isEqualTo(GatewayLoad.a(j));
            assertThat(n.path("b").asDouble()).isEqualTo(GatewayLoad.b(7, j));
        }
    }

    @Test
    void render_line_measurementTagFieldsAndMillisecondTimestamp() {
        GatewayLoad.Body body = new GatewayLoad(2).body(GatewayLoad.Format.LINE, 0, "samples");

        String text = new String(body.render(1), StandardCharsets.US_ASCII);

        assertThat(text).isEqualTo("samples,rtId=gw0-s0 a=20.0,b=0.0 1735689601000\n"
                + "samples,rtId=gw0-s1 a=20.25,b=0.001 1735689601000\n");
    }

    @Test
    void render_again_rewritesOnlyTheTimestamps() {
        GatewayLoad.Body body = new GatewayLoad(50).body(GatewayLoad.Format.NDJSON, 3, "unused");
        String first = new String(body.render(0), StandardCharsets.US_ASCII);

        String later = new String(body.render(86_400), StandardCharsets.US_ASCII);

        assertThat(later).isEqualTo(first.replace("1735689600000", "1735776000000"));
    }

    @Test
    void batches_coverExactlyTheAcknowledgedRequestsInCommitsOfAtMostRows() {
        GatewayLoad load = new GatewayLoad(10);

        List<Generator.Batch> batches = load.batches(new int[] {2, 0, 5}, new int[] {7, 3, 5}, 16);

        int total = batches.stream().mapToInt(Generator.Batch::size).sum();
        assertThat(total).isEqualTo((5 + 3) * 10);
        assertThat(batches).allSatisfy(b -> assertThat(b.size()).isBetween(1, 16));
        Set<String> keys = new HashSet<>();
        for (Generator.Batch b : batches) {
            for (int k = 0; k < b.size(); k++) {
                keys.add(b.rtIds[k] + "@" + b.micros[k]);
            }
        }
        assertThat(keys).hasSize(total).contains("gw0-s9@" + GatewayLoad.millis(2) * 1000, "gw1-s0@"
                + GatewayLoad.millis(0) * 1000).doesNotContain("gw0-s0@" + GatewayLoad.millis(1) * 1000,
                "gw2-s0@" + GatewayLoad.millis(5) * 1000);
    }
}
