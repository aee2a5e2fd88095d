package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.tidemark.client.RollupSpec;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.PublicError;
import io.tidemark.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A rollup statement that fails inside the engine (a BIGINT sum that overflows) shows the tenant a code, a plain
 * message and an error id — in the rollup's {@code lastError}, the audit trail and the GraphQL error — and never the
 * engine's SQL, schema or driver text; the server log has the full error under that id.
 */
@Timeout(180)
abstract class AbstractRollupErrorIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Pattern ERROR_ID = Pattern.compile("error id ([0-9a-f]{12})");
    /** Anything of the engine's or the store's internals a tenant must not see. */
    private static final List<String> SECRETS = List.of("SELECT", "INSERT", "CAST", "sum(", "\"tidemark\"",
            "tidemark.", "\"acme\"", "LINE 1", "out of range", "Conversion", "INT128", "HUGEINT", "SQL",
            "jdbc", "duckdb", "postgres", "org.");

    private ServerFixture f;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger publicErrors = (Logger) LoggerFactory.getLogger(PublicError.class);

    protected abstract Store newStore();

    @BeforeEach
    void start() {
        log.start();
        publicErrors.addAppender(log);
        f = new ServerFixture(newStore());
    }

    @AfterEach
    void stop() {
        publicErrors.detachAppender(log);
        f.close();
    }

    @Test
    void rollupStatementFailsInEngine_tenantSeesCodeMessageAndIdOnly_logHasTheEngineError() {
        String adminToken = f.token("acme", Role.ADMIN);
        TidemarkClient admin = f.client(adminToken);
        admin.createArchive("m", Map.of("b", "BIGINT"));
        admin.activateArchive("m");
        admin.createRollupArchive(RollupSpec.builder("m_1m", "m", "PT1M").aggregate("SUM", "b", "b")
                .watermarkLag(Duration.ZERO).maxFailures(5).build());
        admin.activateRollup("m_1m");
        admin.publish("m", List.of(Row.of("x", T0, Map.of("b", 5_000_000_000_000_000_000L)),
                Row.of("x", T0.plusSeconds(1), Map.of("b", 5_000_000_000_000_000_000L))));

        String processed = f.graphql(adminToken, "mutation { processRollup(name: \"m_1m\") { bucketsCommitted } }")
                .body();
        JsonNode state = admin.graphql("{ rollup(name: \"m_1m\") { consecutiveFailures lastError } }", Map.of())
                .get("rollup");
        JsonNode audit = admin.graphql("{ auditTrail(subject: \"m_1m\") { entries { kind message } } }", Map.of())
                .get("auditTrail").get("entries");

        String lastError = state.get("lastError").asText();
        assertThat(state.get("consecutiveFailures").asInt()).isEqualTo(1);
        assertThat(lastError).startsWith("STORE_ERROR: ").doesNotContain(SECRETS);
        String id = errorId(lastError);
        assertThat(audit.toString()).contains("ROLLUP_FAILURE", "error id " + id).doesNotContain(SECRETS);
        assertThat(processed).doesNotContain(SECRETS);
        ILoggingEvent logged = log.list.stream().filter(e -> e.getKeyValuePairs() != null && e.getKeyValuePairs()
                .stream().anyMatch(kv -> kv.key.equals("errorId") && id.equals(kv.value))).findFirst().orElseThrow();
        assertThat(ThrowableProxyUtil.asString(logged.getThrowableProxy())).as("the engine's error, in the log")
                .containsAnyOf("out of range", "Conversion Error", "overflow");
    }

    private static String errorId(String text) {
        Matcher m = ERROR_ID.matcher(text);
        assertThat(m.find()).as("an error id in: %s", text).isTrue();
        return m.group(1);
    }
}
