package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GraphQL token API ({@code tokens}, {@code createToken}, {@code revokeToken}): admin only, own tenant. */
class TokenApiIT {
    private static final String CREATE = "mutation($role: TokenRole!, $name: String) { t: createToken(role: $role, "
            + "name: $name) { secret token { id tenant name role createdAt revokedAt } } }";
    private static final String REVOKE = "mutation($id: String!) { t: revokeToken(id: $id) { id tenant revokedAt } }";
    private static final String LIST = "{ tokens { id tenant name role createdAt revokedAt } }";
    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static String admin;

    @BeforeAll
    static void start() {
        f = new ServerFixture(TestStores.duckDb(dir));
        admin = f.token("plant", Role.ADMIN);
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    @Test
    void createToken_secretWorksAtOnce_isNeverListed_andRevokeEndsAccess() {
        TidemarkClient c = f.client(admin);
        JsonNode t = c.graphql(CREATE, vars("WRITER", "ingest-1")).path("t");
        String secret = t.path("secret").asText();
        String id = t.path("token").path("id").asText();
        assertThat(secret).startsWith("tmk_");
        assertThat(t.path("token").path("tenant").asText()).isEqualTo("plant");
        assertThat(t.path("token").path("role").asText()).isEqualTo("WRITER");
        assertThat(t.path("token").path("revokedAt").isNull()).isTrue();

        TidemarkClient writer = f.client(secret);
        assertThat(writer.archives()).isNotNull();

        String listed = c.graphql(LIST, null).toString();
        assertThat(listed).contains(id, "ingest-1").doesNotContain(secret);
        assertThat(f.graphql(admin, LIST).body()).doesNotContain("tmk_");

        JsonNode revoked = c.graphql(REVOKE, Map.of("id", id)).path("t");
        assertThat(revoked.path("revokedAt").isNull()).isFalse();
        assertThatThrownBy(writer::archives).isInstanceOfSatisfying(TidemarkClientException.class,
                e -> assertThat(e.httpStatus()).isEqualTo(401));
        // Idempotent, and the list says when.
        assertThat(c.graphql(REVOKE, Map.of("id", id)).path("t").path("revokedAt").asText())
                .isEqualTo(revoked.path("revokedAt").asText());
        assertThat(c.graphql(LIST, null).path("tokens").findValuesAsText("id")).contains(id);
    }

    /** The role is checked before the input: a bad name or an unknown id is still FORBIDDEN for them. */
    @Test
    void readerAndWriter_everyTokenField_forbidden_evenWithBadInput() {
        String someId = f.issue("plant", Role.READER).info().id();
        for (Role weak : new Role[] {Role.READER, Role.WRITER}) {
            TidemarkClient c = f.client(f.token("plant", weak));
            assertForbidden(() -> c.graphql(LIST, null));
            assertForbidden(() -> c.graphql(CREATE, vars("ADMIN", "escalate")));
            assertForbidden(() -> c.graphql(CREATE, vars("ADMIN", "")));
            assertForbidden(() -> c.graphql(REVOKE, Map.of("id", someId)));
            assertForbidden(() -> c.graphql(REVOKE, Map.of("id", "no-such-token")));
        }
        assertThat(f.graphql(f.token("plant", Role.READER), "{ archives { name } }").statusCode()).isEqualTo(200);
    }

    @Test
    void whoami_everyRole_tenantRoleAndActor_neverTheSecret() {
        for (Role role : Role.values()) {
            var issued = f.issue("plant", role);
            JsonNode w = f.client(issued.secret()).graphql("{ whoami { tenant role actor } }", null).path("whoami");
            assertThat(w.path("tenant").asText()).isEqualTo("plant");
            assertThat(w.path("role").asText()).isEqualTo(role.name());
            assertThat(w.path("actor").asText()).isEqualTo(issued.info().name() + "/" + issued.info().id());
            assertThat(w.toString()).doesNotContain("tmk_");
        }
        assertThat(f.graphql("tmk_not-a-token", "{ whoami { tenant } }").statusCode()).isEqualTo(401);
    }

    @Test
    void otherTenantsTokens_notListed_andRevokingOneIsNotFound() {
        var beta = f.issue("beta", Role.READER);
        TidemarkClient c = f.client(admin);
        assertThat(c.graphql(LIST, null).path("tokens").findValuesAsText("tenant")).containsOnly("plant");
        assertThatThrownBy(() -> c.graphql(REVOKE, Map.of("id", beta.info().id())))
                .isInstanceOfSatisfying(TidemarkClientException.class, e -> assertThat(e.code()).isEqualTo("NOT_FOUND"));
        assertThat(f.graphql(beta.secret(), "{ archives { name } }").statusCode()).isEqualTo(200);
    }

    @Test
    void createToken_badName_invalidArgument() {
        TidemarkClient c = f.client(admin);
        assertThatThrownBy(() -> c.graphql(CREATE, vars("READER", "x".repeat(200))))
                .isInstanceOfSatisfying(TidemarkClientException.class,
                        e -> assertThat(e.code()).isEqualTo("INVALID_ARGUMENT"));
    }

    private static Map<String, Object> vars(String role, String name) {
        Map<String, Object> m = new HashMap<>();
        m.put("role", role);
        m.put("name", name);
        return m;
    }

    private static void assertForbidden(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(TidemarkClientException.class,
                e -> assertThat(e.code()).isEqualTo("FORBIDDEN"));
    }
}
