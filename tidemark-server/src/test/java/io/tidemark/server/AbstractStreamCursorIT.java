package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * streamData paged with {@code after:} (the last row's cursor): with many rows sharing each timestamp, small pages
 * and new rows written between every two pages (at timestamps before, at and after the cursor), every row present
 * at the start is returned exactly once and no row twice. Each engine binds it with a thin subclass.
 */
abstract class AbstractStreamCursorIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private ServerFixture f;
    private TidemarkClient writer;
    private String reader;

    protected abstract Store newStore();

    @BeforeEach
    void start() {
        f = new ServerFixture(newStore());
        TidemarkClient admin = f.client(f.token("t", Role.ADMIN));
        admin.createArchive("s", Map.of("v", "DOUBLE"));
        admin.activateArchive("s");
        writer = f.client(f.token("t", Role.WRITER));
        reader = f.token("t", Role.READER);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private JsonNode page(String after, int limit) throws Exception {
        String q = "{ streamData(archive: \"s\", from: \"2025-01-01T00:00:00Z\", to: \"2025-01-02T00:00:00Z\", limit: "
                + limit + (after == null ? "" : ", after: " + ServerFixture.quote(after)) + ") { timestamp rtId cursor } }";
        JsonNode r = JSON.readTree(f.graphql(reader, q).body());
        assertThat(r.path("errors").isMissingNode()).as(r.toString()).isTrue();
        return r.path("data").path("streamData");
    }

    @Test
    void pagingWithAfter_whileWriting_everyStartingRowOnceNoneTwice() throws Exception {
        Set<String> atStart = new HashSet<>();
        List<Row> rows = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            for (int k = 0; k < 25; k++) {
                String rtId = "r" + (k * 7 % 25);
                rows.add(Row.of(rtId, T0.plusSeconds(t), Map.of("v", (double) k)));
                atStart.add(T0.plusSeconds(t) + "/" + rtId);
            }
        }
        writer.publish("s", rows);
        List<String> seen = new ArrayList<>();
        String after = null;
        int written = 0;
        for (int pages = 0; pages < 1000; pages++) {
            JsonNode p = page(after, 7);
            if (p.isEmpty()) {
                break;
            }
            for (JsonNode row : p) {
                seen.add(row.path("timestamp").asText() + "/" + row.path("rtId").asText());
            }
            after = p.get(p.size() - 1).path("cursor").asText();
            // New rows between pages: at an early, the current and a later timestamp, sharing them with old rows.
            Instant at = Instant.parse(p.get(p.size() - 1).path("timestamp").asText());
            writer.publish("s", List.of(Row.of("new" + written, T0, Map.of("v", 1.0)),
                    Row.of("new" + written + "a", at, Map.of("v", 1.0)),
                    Row.of("new" + written + "b", at.plusSeconds(3), Map.of("v", 1.0))));
            written++;
        }
        assertThat(new HashSet<>(seen)).hasSameSizeAs(seen);
        assertThat(seen).containsAll(atStart);
        assertThat(written).isGreaterThan(300 / 7);
    }

    @Test
    void sharedTimestamps_pagesMatchOneRead() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            rows.add(Row.of("id-" + k, T0, Map.of("v", (double) k)));
        }
        writer.publish("s", rows);
        List<String> whole = new ArrayList<>();
        page(null, 1000).forEach(r -> whole.add(r.path("rtId").asText()));
        List<String> paged = new ArrayList<>();
        String after = null;
        for (int i = 0; i < 100; i++) {
            JsonNode p = page(after, 3);
            if (p.isEmpty()) {
                break;
            }
            p.forEach(r -> paged.add(r.path("rtId").asText()));
            after = p.get(p.size() - 1).path("cursor").asText();
        }
        assertThat(paged).hasSize(40).isEqualTo(whole);
    }

    @Test
    void malformedCursor_invalidArgument() throws Exception {
        String q = "{ streamData(archive: \"s\", from: \"2025-01-01T00:00:00Z\", to: \"2025-01-02T00:00:00Z\", "
                + "after: \"not-a-cursor\") { rtId } }";
        JsonNode r = JSON.readTree(f.graphql(reader, q).body());
        assertThat(r.path("errors").get(0).path("extensions").path("code").asText()).isEqualTo("INVALID_ARGUMENT");
        assertThat(r.path("errors").get(0).path("message").asText()).contains("not a cursor");
    }
}
