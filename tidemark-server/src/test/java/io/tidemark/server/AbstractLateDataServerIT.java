package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidemark.client.ArchiveView;
import io.tidemark.client.Row;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.RollupView;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.core.Role;
import io.tidemark.store.AuditKind;
import io.tidemark.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Late data as a server user sees it: stale ranges in {@code rollupsFor}, their re-aggregation, {@code maxLateness}
 * set through GraphQL with its audit entries. Each engine binds it with a thin subclass.
 */
abstract class AbstractLateDataServerIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private ServerFixture f;
    private TidemarkClient admin;
    private TidemarkClient writer;

    protected abstract Store newStore();

    @BeforeEach
    void start() {
        f = new ServerFixture(newStore());
        admin = f.client(f.token("plant", Role.ADMIN));
        writer = f.client(f.token("plant", Role.WRITER));
        admin.createArchive("raw", Map.of("temp", "DOUBLE"));
        admin.activateArchive("raw");
        writer.publish("raw", rows(0, 600, 10));
        admin.createRollupArchive(RollupSpec.builder("raw_1m", "raw", "PT1M").aggregate("COUNT", null, "n")
                .aggregate("SUM", "temp", "s").build());
        admin.createRollupArchive(RollupSpec.builder("raw_10m", "raw_1m", "PT10M").aggregate("SUM", "n", "n")
                .aggregate("SUM", "s", "s").build());
        admin.activateArchive("raw_1m");
        admin.activateRollup("raw_10m");
        assertThat(admin.processRollup("raw_1m")).isPositive();
        assertThat(admin.processRollup("raw_10m")).isPositive();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void lateSamples_showAsStaleRanges_thenReaggregatedToTheGroupBy() {
        assertThat(admin.rollupsFor("raw")).allSatisfy(r -> {
            assertThat(r.staleRanges()).isEmpty();
            assertThat(r.oldestStaleAgeSeconds()).isNull();
        });

        writer.publish("raw", List.of(Row.of("s1", T0.plusSeconds(215), Map.of("temp", 7.0)),
                Row.of("s2", T0.plusSeconds(455), Map.of("temp", 9.0))));

        Map<String, RollupView> stale = byName(admin.rollupsFor("raw"));
        assertThat(stale.get("raw_1m").staleRanges()).extracting(RollupView.StaleRange::from)
                .containsExactly(T0.plusSeconds(180), T0.plusSeconds(420));
        assertThat(stale.get("raw_1m").staleRanges()).extracting(RollupView.StaleRange::to)
                .containsExactly(T0.plusSeconds(240), T0.plusSeconds(480));
        assertThat(stale.get("raw_1m").oldestStaleAgeSeconds()).isNotNull().isGreaterThanOrEqualTo(0.0);
        assertThat(stale.get("raw_10m").staleRanges()).isEmpty();

        admin.processRollup("raw_1m");
        Map<String, RollupView> after1m = byName(admin.rollupsFor("raw"));
        assertThat(after1m.get("raw_1m").staleRanges()).isEmpty();
        assertThat(after1m.get("raw_1m").oldestStaleAgeSeconds()).isNull();
        assertThat(after1m.get("raw_10m").staleRanges()).singleElement()
                .satisfies(r -> assertThat(r.from()).isEqualTo(T0))
                .satisfies(r -> assertThat(r.to()).isEqualTo(T0.plusSeconds(600)));
        admin.processRollup("raw_10m");
        assertThat(admin.rollupsFor("raw")).allSatisfy(r -> assertThat(r.staleRanges()).isEmpty());

        assertThat(counts("raw_1m")).isEqualTo(groupByCount(60));
        assertThat(counts("raw_10m")).isEqualTo(groupByCount(600));
        assertThat(kinds(auditEntries("raw_1m"))).contains("LATE_REAGGREGATION");
    }

    @Test
    void maxLateness_setThroughGraphQl_skipsOldBuckets_andTheAuditTrailSaysSo() {
        ArchiveView set = admin.setArchiveMaxLateness("raw", Duration.ofHours(6));
        assertThat(set.maxLateness()).isEqualTo(Duration.ofHours(6));
        assertThat(admin.archives()).filteredOn(a -> a.name().equals("raw")).singleElement()
                .extracting(ArchiveView::maxLateness).isEqualTo(Duration.ofHours(6));

        // 2025 is far more than six hours ago by the server's clock: stored, not re-aggregated.
        writer.publish("raw", List.of(Row.of("s1", T0.plusSeconds(215), Map.of("temp", 7.0))));
        assertThat(admin.rollupsFor("raw")).allSatisfy(r -> assertThat(r.staleRanges()).isEmpty());
        assertThat(admin.streamData("raw", List.of("s1"), T0.plusSeconds(215), T0.plusSeconds(216), 10))
                .hasSize(1);
        JsonNode skipped = auditEntries("raw");
        assertThat(kinds(skipped)).contains("LATE_SKIPPED", "ARCHIVE_CONFIGURED");
        assertThat(messageOf(skipped, "ARCHIVE_CONFIGURED")).contains("PT6H").contains("was unlimited");

        assertThat(admin.setArchiveMaxLateness("raw", null).maxLateness()).isNull();
        writer.publish("raw", List.of(Row.of("s2", T0.plusSeconds(455), Map.of("temp", 9.0))));
        assertThat(byName(admin.rollupsFor("raw")).get("raw_1m").staleRanges()).hasSize(1);
    }

    @Test
    void maxLateness_badInput_clearErrors_andNothingCreated() {
        assertThatThrownBy(() -> writer.setArchiveMaxLateness("raw", Duration.ofHours(1)))
                .isInstanceOfSatisfying(TidemarkClientException.class, e -> assertThat(e.code())
                        .isEqualTo("FORBIDDEN"));
        assertThatThrownBy(() -> admin.setArchiveMaxLateness("raw_1m", Duration.ofHours(1)))
                .isInstanceOfSatisfying(TidemarkClientException.class, e -> assertThat(e.code())
                        .isEqualTo("INVALID_ARGUMENT"));
        assertThatThrownBy(() -> admin.setArchiveMaxLateness("nope", Duration.ofHours(1)))
                .isInstanceOfSatisfying(TidemarkClientException.class, e -> assertThat(e.code())
                        .isEqualTo("NOT_FOUND"));
        assertThat(graphqlError("mutation { setArchiveMaxLateness(name: \"raw\", maxLateness: \"six hours\") "
                + "{ name } }")).contains("INVALID_ARGUMENT").contains("six hours");
        assertThat(graphqlError("mutation { createArchive(input: {name: \"other\", columns: [{name: \"x\", "
                + "type: DOUBLE}], maxLateness: \"-PT1H\"}) { name } }")).contains("INVALID_ARGUMENT")
                .contains("positive");
        assertThat(admin.archives()).extracting(ArchiveView::name).doesNotContain("other");
        assertThat(admin.archives()).filteredOn(a -> a.name().equals("raw")).singleElement()
                .extracting(ArchiveView::maxLateness).isNull();
    }

    @Test
    void everyAuditKindOfTheStore_isInTheGraphQlEnum() throws Exception {
        String body = f.graphql(f.token("plant", Role.READER), "{ __type(name: \"AuditKind\") { enumValues "
                + "{ name } } }").body();
        List<String> names = new ArrayList<>();
        new ObjectMapper().readTree(body).path("data").path("__type").path("enumValues")
                .forEach(v -> names.add(v.path("name").asText()));
        assertThat(names).containsExactlyInAnyOrderElementsOf(Arrays.stream(AuditKind.values()).map(Enum::name)
                .toList());
    }

    /** 1 Hz per rtId for s0..s{n-1} over [from, to) seconds after T0; temp = second + rtId index. */
    private static List<Row> rows(int from, int to, int rtIds) {
        List<Row> out = new ArrayList<>();
        for (int s = from; s < to; s++) {
            for (int i = 0; i < rtIds; i++) {
                out.add(Row.of("s" + i, T0.plusSeconds(s), Map.of("temp", (double) (s + i))));
            }
        }
        return out;
    }

    /** rtId|bucket start → count, from the raw rows as the server stores them. */
    private Map<String, Long> groupByCount(int bucketSeconds) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (Row r : admin.streamData("raw", List.of(), T0, T0.plusSeconds(600), 100_000)) {
            long b = (r.timestamp().getEpochSecond() - T0.getEpochSecond()) / bucketSeconds * bucketSeconds;
            out.merge(r.rtId() + "|" + T0.plusSeconds(b), 1L, Long::sum);
        }
        return out;
    }

    private Map<String, Long> counts(String rollup) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (Row r : admin.streamData(rollup, List.of(), T0, T0.plusSeconds(600), 100_000)) {
            out.put(r.rtId() + "|" + r.timestamp(), ((Number) r.values().get("n")).longValue());
        }
        return out;
    }

    private static Map<String, RollupView> byName(List<RollupView> rollups) {
        Map<String, RollupView> out = new LinkedHashMap<>();
        rollups.forEach(r -> out.put(r.name(), r));
        return out;
    }

    private JsonNode auditEntries(String subject) {
        return admin.graphql("query($s: String) { auditTrail(subject: $s, first: 100) { entries { kind message } } }",
                Map.of("s", subject)).path("auditTrail").path("entries");
    }

    private static List<String> kinds(JsonNode entries) {
        List<String> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.path("kind").asText()));
        return out;
    }

    private static String messageOf(JsonNode entries, String kind) {
        for (JsonNode e : entries) {
            if (e.path("kind").asText().equals(kind)) {
                return e.path("message").asText();
            }
        }
        throw new AssertionError("no " + kind + " entry in " + entries);
    }

    private String graphqlError(String query) {
        return f.graphql(f.token("plant", Role.ADMIN), query).body();
    }
}
