package io.tidemark.server.cli;

import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.store.Store;
import io.tidemark.store.Stores;
import io.tidemark.store.TokenInfo;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tidemark token create | list | revoke}: API tokens, stored hashed in the store. Embedded DuckDB allows
 * one process at a time, so with the default store run these while the server is stopped.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class},
        description = {"Manage API tokens (bearer tokens mapped to a tenant and a role).",
                "With the embedded DuckDB store, stop the server first: DuckDB allows one process per data directory."})
final class TokenCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a token (and its tenant if new) and print it once.")
    static final class Create implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(names = "--tenant", required = true, description = "tenant the token speaks for; created if new")
        String tenant;

        @Option(names = "--role", required = true, description = "reader, writer or admin")
        String role;

        @Option(names = "--name", description = "a label for listings (default: the role)")
        String name;

        @Override
        public Integer call() {
            Role r = Role.parse(role);
            TenantId t = TenantId.of(tenant);
            try (Store s = Stores.open(store.resolve(java.util.Map.of()).storeConfig())) {
                Tokens.Issued issued = Tokens.issue(s, t, r, name, Instant.now());
                PrintStream out = System.out;
                out.println(issued.secret());
                System.err.println("token " + issued.info().id() + " for tenant '" + t + "', role " + r.label()
                        + ": keep it now, it is not shown again (only its SHA-256 is stored)");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets).")
    static final class ListTokens implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Option(names = "--tenant", description = "only this tenant's tokens")
        String tenant;

        @Override
        public Integer call() {
            try (Store s = Stores.open(store.resolve(java.util.Map.of()).storeConfig())) {
                List<TokenInfo> all = s.tokens().list(tenant == null ? null : TenantId.of(tenant));
                PrintStream out = System.out;
                out.printf("%-16s %-20s %-7s %-24s %-24s %s%n", "id", "tenant", "role", "created", "revoked", "name");
                for (TokenInfo t : all) {
                    out.printf("%-16s %-20s %-7s %-24s %-24s %s%n", t.id(), t.tenant(), t.role().label(),
                            t.createdAt(), t.revokedAt() == null ? "-" : t.revokedAt(), t.name());
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token by its id.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        StoreOptions store;

        @Parameters(paramLabel = "ID", description = "the token's id, as 'token list' shows it")
        String id;

        @Override
        public Integer call() {
            try (Store s = Stores.open(store.resolve(java.util.Map.of()).storeConfig())) {
                TokenInfo t = s.tokens().revoke(id, Instant.now());
                System.out.println("revoked token " + t.id() + " (tenant '" + t.tenant() + "', " + t.role().label()
                        + ") at " + t.revokedAt());
            }
            return 0;
        }
    }
}
