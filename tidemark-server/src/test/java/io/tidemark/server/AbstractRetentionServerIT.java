package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidemark.client.ArchiveView;
import io.tidemark.client.Row;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.core.Role;
import io.tidemark.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention as a server user sees it: set at creation and later through GraphQL (audited), shown on the archive with
 * where it stands and who blocks it, enforced by the rollup host, and samples older than it refused at ingest. Each
 * engine binds it with a thin subclass.
 */
abstract class AbstractRetentionServerIT {
    /** Three hours ago, on the hour: the server runs on the wall clock. */
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
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
        List<Row> rows = new ArrayList<>();
        for (int s = 0; s < 600; s += 10) {
            rows.add(Row.of("s1", T0.plusSeconds(s), Map.of("temp", (double) s)));
        }
        writer.publish("raw", rows);
        admin.createRollupArchive(RollupSpec.builder("raw_1m", "raw", "PT1M").aggregate("COUNT", null, "n").build());
        admin.activateArchive("raw_1m");
        assertThat(admin.processRollup("raw_1m")).isPositive();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void setArchiveRetention_shownOnTheArchiveAndAudited() {
        ArchiveView set = admin.setArchiveRetention("raw", Duration.ofDays(7));

        assertThat(set.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(admin.archives()).filteredOn(a -> a.name().equals("raw")).singleElement()
                .extracting(ArchiveView::retention).isEqualTo(Duration.ofDays(7));
        JsonNode a = admin.graphql("{ archive(name: \"raw\") { retention retentionStatus { horizon blocked "
                + "deletableBefore blockedBy { rollup } } } }", Map.of()).path("archive");
        assertThat(a.path("retention").asText()).isEqualTo("PT168H");
        assertThat(a.path("retentionStatus").path("blocked").asBoolean()).isFalse();
        assertThat(Instant.parse(a.path("retentionStatus").path("horizon").asText()))
                .isBetween(Instant.now().minus(Duration.ofDays(7)).minusSeconds(60), Instant.now().minus(Duration.ofDays(7)));
        assertThat(messageOf(auditEntries("raw"), "ARCHIVE_CONFIGURED")).contains("retention PT168H (was forever)");

        assertThat(admin.setArchiveRetention("raw", null).retention()).isNull();
        assertThat(admin.graphql("{ archive(name: \"raw\") { retentionStatus { blocked } } }", Map.of())
                .path("archive").path("retentionStatus").isNull()).isTrue();
    }

    @Test
    void createInputs_takeRetention_forRawAndRollupArchives() {
        admin.graphql("mutation { createArchive(input: {name: \"other\", columns: [{name: \"x\", type: DOUBLE}], "
                + "retention: \"P7D\"}) { name } }", Map.of());
        admin.graphql("mutation { createRollupArchive(input: {name: \"raw_1h\", source: \"raw_1m\", bucket: \"PT1H\", "
                + "aggregations: [{function: SUM, column: \"n\", as: \"n\"}], retention: \"P90D\"}) { name } }",
                Map.of());

        assertThat(admin.archives()).extracting(ArchiveView::name, ArchiveView::retention).contains(
                org.assertj.core.groups.Tuple.tuple("other", Duration.ofDays(7)),
                org.assertj.core.groups.Tuple.tuple("raw_1h", Duration.ofDays(90)),
                org.assertj.core.groups.Tuple.tuple("raw", null));
    }

    @Test
    void setArchiveRetention_badInput_clearErrors() {
        assertThatThrownBy(() -> writer.setArchiveRetention("raw", Duration.ofHours(1)))
                .isInstanceOfSatisfying(TidemarkClientException.class, e -> assertThat(e.code())
                        .isEqualTo("FORBIDDEN"));
        assertThatThrownBy(() -> admin.setArchiveRetention("nope", Duration.ofHours(1)))
                .isInstanceOfSatisfying(TidemarkClientException.class, e -> assertThat(e.code())
                        .isEqualTo("NOT_FOUND"));
        assertThat(graphqlError("mutation { setArchiveRetention(name: \"raw\", retention: \"a week\") { name } }"))
                .contains("INVALID_ARGUMENT").contains("a week");
        assertThat(graphqlError("mutation { createArchive(input: {name: \"other\", columns: [{name: \"x\", "
                + "type: DOUBLE}], retention: \"-PT1H\"}) { name } }")).contains("INVALID_ARGUMENT").contains("positive");
        assertThat(admin.archives()).extracting(ArchiveView::name).doesNotContain("other");
    }

    @Test
    void retention_blockedByARollupWithoutWatermark_visibleThenEnforcedOnceItIsGone() {
        admin.createRollupArchive(RollupSpec.builder("raw_5m", "raw", "PT5M").aggregate("COUNT", null, "n").build());
        admin.setArchiveRetention("raw", Duration.ofHours(2));
        f.server.orchestratorHost().runOnce();

        JsonNode status = retentionStatus();
        assertThat(status.path("blocked").asBoolean()).isTrue();
        assertThat(status.path("deletableBefore").isNull()).isTrue();
        assertThat(status.path("blockedBy")).singleElement().satisfies(b -> {
            assertThat(b.path("rollup").asText()).isEqualTo("raw_5m");
            assertThat(b.path("reason").asText()).contains("no watermark");
        });
        assertThat(admin.streamData("raw", List.of(), T0, T0.plusSeconds(600), 1000)).hasSize(60);
        assertThat(messageOf(auditEntries("raw"), "RETENTION_BLOCKED")).contains("'raw_5m'", "PT2H");

        admin.deleteArchive("raw_5m");
        f.server.orchestratorHost().runOnce();

        assertThat(retentionStatus().path("blocked").asBoolean()).isFalse();
        assertThat(admin.streamData("raw", List.of(), T0, T0.plusSeconds(600), 1000)).isEmpty();
        assertThat(admin.streamData("raw_1m", List.of(), T0, T0.plusSeconds(600), 1000)).hasSize(10);
        assertThat(messageOf(auditEntries("raw"), "RETENTION_RUN")).contains("deleted 60 rows");
        assertThat(messageOf(auditEntries("raw"), "RETENTION_UNBLOCKED")).contains("raw_5m");
    }

    @Test
    void ingest_sampleOlderThanRetention_refusedNamingTheRow() {
        admin.setArchiveRetention("raw", Duration.ofHours(2));

        assertThatThrownBy(() -> writer.publish("raw", List.of(Row.of("s1", Instant.now().truncatedTo(ChronoUnit.SECONDS), Map.of("temp", 1.0)),
                Row.of("old", T0, Map.of("temp", 2.0)))))
                .isInstanceOfSatisfying(TidemarkClientException.class, e -> {
                    assertThat(e.code()).isEqualTo("INVALID_BATCH");
                    assertThat(e.getMessage()).contains("line 2", "'old'", "older than the archive's retention PT2H");
                });
        assertThat(graphqlError("mutation { ingestSamples(archive: \"raw\", samples: [{rtId: \"old\", timestamp: \""
                + T0 + "\", values: {temp: 1}}]) { written } }")).contains("INVALID_BATCH", "retention PT2H");
    }

    private JsonNode retentionStatus() {
        return admin.graphql("{ archive(name: \"raw\") { retentionStatus { blocked deletableBefore blockedBy { rollup "
                + "reason neededFrom } } } }", Map.of()).path("archive").path("retentionStatus");
    }

    private JsonNode auditEntries(String subject) {
        return admin.graphql("query($s: String) { auditTrail(subject: $s, first: 100) { entries { kind message } } }",
                Map.of("s", subject)).path("auditTrail").path("entries");
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
