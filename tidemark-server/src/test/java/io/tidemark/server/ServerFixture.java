package io.tidemark.server;

import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.server.auth.Tokens;
import io.tidemark.store.Store;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * A real server on a free loopback port over a real store, with tokens issued straight into the store. The
 * orchestrator host runs rarely (once at start, then hourly), so tests drive rollups with processRollup.
 */
final class ServerFixture implements AutoCloseable {
    final Store store;
    final TidemarkServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    ServerFixture(Store store, ServerConfig.Builder config) {
        this(store, config, java.time.Clock.systemUTC());
    }

    /** A server whose clock (receive time, audit trail, live engine) is {@code clock}. */
    ServerFixture(Store store, ServerConfig.Builder config, java.time.Clock clock) {
        this.store = store;
        this.server = TidemarkServer.builder(config.host("127.0.0.1").port(0).sqlPort(0).bootstrapToken(false)
                .rollupInterval(Duration.ofHours(1)).build()).clock(clock).store(store).build().start();
    }

    ServerFixture(Store store) {
        this(store, ServerConfig.builder());
    }

    URI uri() {
        return server.uri();
    }

    /** A token for the tenant (created if new). */
    String token(String tenant, Role role) {
        return issue(tenant, role).secret();
    }

    Tokens.Issued issue(String tenant, Role role) {
        return Tokens.issue(store, TenantId.of(tenant), role, role.label(), Instant.now());
    }

    TidemarkClient client(String token) {
        return TidemarkClient.create(ConnectionConfig.builder(uri()).token(token).build());
    }

    /** A raw HTTP exchange, for status codes and bodies the client would turn into exceptions. */
    HttpResponse<String> send(String method, String path, String token, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri().resolve(path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A raw HTTP exchange with a byte body and, unless null, a {@code Content-Encoding}. */
    HttpResponse<String> send(String method, String path, String token, String contentType, String contentEncoding,
            byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri().resolve(path)).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (contentEncoding != null) {
            b.header("Content-Encoding", contentEncoding);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> graphql(String token, String query) {
        String body = "{\"query\": " + quote(query) + "}";
        return send("POST", "/graphql", token, "application/json", body);
    }

    static String quote(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        store.close();
    }
}
