package io.tidemark.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.auth.Tokens;
import io.tidemark.store.Store;
import io.tidemark.store.Stores;
import io.tidemark.store.TokenInfo;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tidemark token create | list | revoke}: API tokens. Two ways to reach them:
 * <ul>
 *   <li>{@code --url} of a running server with an admin {@code --token} (or {@code TIDEMARK_TOKEN}): through the
 *       GraphQL token API, for the token's own tenant — works while the server runs, on every store;</li>
 *   <li>the store directly ({@code --data-dir}, {@code --jdbc-url}, {@code --config}, {@code TIDEMARK_*}), for any
 *       tenant — only a store that exists (never a new empty one, unless {@code create --new-store}), and with
 *       embedded DuckDB only while no server holds it (the message then says to pass {@code --url}).</li>
 * </ul>
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class},
        description = {"Manage API tokens (bearer tokens mapped to a tenant and a role).",
                "With --url (and an admin --token or TIDEMARK_TOKEN): through a running server, for that token's "
                        + "tenant.",
                "Without --url: the store directly (--data-dir, --jdbc-url), which must exist; embedded DuckDB "
                        + "only while no server runs on it."})
final class TokenCommand implements Runnable {
    private static final String TABLE = "%-16s %-20s %-7s %-24s %-24s %s%n";

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Where the tokens are: a running server ({@code --url}) or the store; shared by the three commands. */
    static final class Target {
        @Mixin
        StoreOptions store;

        @Option(names = "--url", description = "a running server, e.g. http://127.0.0.1:8080: manage the tokens of "
                + "the --token's tenant through it")
        URI url;

        @Option(names = "--token", description = "with --url: an admin token (default: the TIDEMARK_TOKEN "
                + "environment variable)")
        String token;

        boolean remote() {
            if (url == null) {
                if (token != null) {
                    throw usage("--token needs --url (the server to send it to)");
                }
                return false;
            }
            if (store.dataDir != null || store.jdbcUrl != null) {
                throw usage("give either --url (a running server) or --data-dir / --jdbc-url (the store directly), "
                        + "not both");
            }
            return true;
        }

        /** One GraphQL request to {@link #url}; its errors as {@link TidemarkException}s with the server's code. */
        JsonNode graphql(String query, Map<String, Object> variables) {
            String t = token != null ? token : System.getenv("TIDEMARK_TOKEN");
            if (t == null || t.isBlank()) {
                throw new TidemarkException(ErrorCode.UNAUTHENTICATED, "with --url, give an admin token with --token "
                        + "or TIDEMARK_TOKEN");
            }
            try {
                TidemarkClient c = TidemarkClient.create(ConnectionConfig.builder(url).token(t).build());
                return c.graphql(query, variables);
            } catch (TidemarkClientException e) {
                throw new TidemarkException(code(e.code()), e.getMessage() + " (" + url + ")");
            } catch (IllegalArgumentException e) {
                throw usage("--url: " + e.getMessage());
            }
        }

        /**
         * Opens the store the options name, only if it exists; a DuckDB store a server holds is refused with a
         * message that says to use {@code --url}.
         */
        Store open(boolean mayCreate) {
            ServerConfig config = store.resolve(Map.of());
            Path file = config.dataDir().toAbsolutePath().resolve("tidemark.duckdb");
            boolean embedded = config.jdbcUrl() == null;
            if (embedded && !mayCreate && !Files.exists(file)) {
                throw new TidemarkException(ErrorCode.NOT_FOUND, "there is no Tidemark store at " + file + "; pass "
                        + "the server's --data-dir (or --jdbc-url), or --url of a running server");
            }
            try {
                return Stores.open(config.storeConfig());
            } catch (RuntimeException e) {
                if (embedded && mentionsLock(e)) {
                    throw new TidemarkException(ErrorCode.UNAVAILABLE, "the store " + file + " is in use by a running "
                            + "server (embedded DuckDB allows one process per data directory); manage tokens through "
                            + "it: --url http://127.0.0.1:8080 (its address) with an admin --token or TIDEMARK_TOKEN");
                }
                throw e;
            }
        }

        private static boolean mentionsLock(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("lock")) {
                    return true;
                }
            }
            return false;
        }

        private static ErrorCode code(String name) {
            try {
                return ErrorCode.valueOf(name);
            } catch (IllegalArgumentException | NullPointerException e) {
                return ErrorCode.UNAVAILABLE; // TRANSPORT: no server answered at --url
            }
        }

        private static TidemarkException usage(String message) {
            return new TidemarkException(ErrorCode.INVALID_ARGUMENT, message);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a token (and, on the store directly, its tenant if new) and print it once.")
    static final class Create implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--tenant", description = "without --url: the tenant the token speaks for; created if new. "
                + "With --url the tenant is the --token's.")
        String tenant;

        @Option(names = "--role", required = true, description = "reader, writer or admin")
        String role;

        @Option(names = "--name", description = "a label for listings (default: the role)")
        String name;

        @Option(names = "--new-store", description = "without --url: create the store if it does not exist yet "
                + "(to issue tokens before the first start)")
        boolean newStore;

        @Override
        public Integer call() {
            Role r = Role.parse(role);
            if (target.remote()) {
                if (tenant != null) {
                    throw Target.usage("with --url the token is created in the tenant of the admin --token; drop "
                            + "--tenant");
                }
                Map<String, Object> vars = new HashMap<>();
                vars.put("role", r.name());
                vars.put("name", name);
                JsonNode created = target.graphql("mutation($role: TokenRole!, $name: String) { t: createToken(role: "
                        + "$role, name: $name) { secret token { id tenant role } } }", vars).path("t");
                printCreated(created.path("secret").asText(), created.path("token").path("id").asText(),
                        created.path("token").path("tenant").asText(), r);
                return 0;
            }
            if (tenant == null) {
                throw Target.usage("give --tenant (the tenant the token speaks for), or --url of a running server "
                        + "and an admin token of the tenant");
            }
            TenantId t = TenantId.of(tenant);
            try (Store s = target.open(newStore)) {
                Tokens.Issued issued = Tokens.issue(s, t, r, name, Instant.now());
                printCreated(issued.secret(), issued.info().id(), t.value(), r);
            }
            return 0;
        }

        private static void printCreated(String secret, String id, String tenant, Role r) {
            System.out.println(secret);
            System.err.println("token " + id + " for tenant '" + tenant + "', role " + r.label()
                    + ": keep it now, it is not shown again (only its SHA-256 is stored)");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets).")
    static final class ListTokens implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--tenant", description = "without --url: only this tenant's tokens")
        String tenant;

        @Override
        public Integer call() {
            PrintStream out = System.out;
            if (target.remote()) {
                if (tenant != null) {
                    throw Target.usage("with --url the list is the admin --token's tenant's; drop --tenant");
                }
                out.printf(TABLE, "id", "tenant", "role", "created", "revoked", "name");
                for (JsonNode t : target.graphql("{ tokens { id tenant name role createdAt revokedAt } }", Map.of())
                        .path("tokens")) {
                    out.printf(TABLE, t.path("id").asText(), t.path("tenant").asText(),
                            t.path("role").asText().toLowerCase(Locale.ROOT), t.path("createdAt").asText(),
                            t.path("revokedAt").isNull() ? "-" : t.path("revokedAt").asText(), t.path("name").asText());
                }
                return 0;
            }
            try (Store s = target.open(false)) {
                List<TokenInfo> all = s.tokens().list(tenant == null ? null : TenantId.of(tenant));
                out.printf(TABLE, "id", "tenant", "role", "created", "revoked", "name");
                for (TokenInfo t : all) {
                    out.printf(TABLE, t.id(), t.tenant(), t.role().label(), t.createdAt(),
                            t.revokedAt() == null ? "-" : t.revokedAt(), t.name());
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token by its id.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(paramLabel = "ID", description = "the token's id, as 'token list' shows it")
        String id;

        @Override
        public Integer call() {
            if (target.remote()) {
                JsonNode t = target.graphql("mutation($id: String!) { t: revokeToken(id: $id) { id tenant role "
                        + "revokedAt } }", Map.of("id", id)).path("t");
                System.out.println("revoked token " + t.path("id").asText() + " (tenant '" + t.path("tenant").asText()
                        + "', " + t.path("role").asText().toLowerCase(Locale.ROOT) + ") at "
                        + t.path("revokedAt").asText());
                return 0;
            }
            try (Store s = target.open(false)) {
                TokenInfo t = s.tokens().revoke(id, Instant.now());
                System.out.println("revoked token " + t.id() + " (tenant '" + t.tenant() + "', " + t.role().label()
                        + ") at " + t.revokedAt());
            }
            return 0;
        }
    }
}
