package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.client.Connection;
import io.tidemark.client.ConnectionConfig;
import io.tidemark.client.QueryConfig;
import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClientException;
import io.tidemark.core.Role;
import io.tidemark.protocol.Protocol;
import io.tidemark.store.TestStores;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WebSocket protocol at the frame level: auth, tenant isolation, malformed frames, versions, heartbeats. */
class LiveProtocolIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static String acme;
    private static String beta;

    @BeforeAll
    static void start() {
        f = new ServerFixture(TestStores.duckDb(dir), ServerConfig.builder()
                .liveHeartbeatTimeout(Duration.ofSeconds(2)));
        acme = f.token("acme", Role.ADMIN);
        beta = f.token("beta", Role.ADMIN);
        LiveQueriesIT.createPlantArchive(f.client(acme), "secret");
        f.client(acme).publish("secret", List.of(Row.of("s1", Instant.now().truncatedTo(ChronoUnit.MILLIS),
                Map.of("site", "x", "temp", 21.0))));
        LiveQueriesIT.createPlantArchive(f.client(beta), "mine");
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    /** A raw socket: every text message in a queue, the close code in a future. */
    static final class Raw implements WebSocket.Listener {
        final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        WebSocket ws;

        static Raw open(String token, String query) {
            return open(token, query, new String[0]);
        }

        /** Opens with the given subprotocols offered, most preferred first. */
        static Raw open(String token, String query, String... subprotocols) {
            Raw r = new Raw();
            WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            if (subprotocols.length > 0) {
                b.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
            }
            URI uri = URI.create("ws://127.0.0.1:" + f.server.port() + Protocol.PATH + (query == null ? "" : query));
            r.ws = b.buildAsync(uri, r).join();
            return r;
        }

        void send(String text) {
            ws.sendText(text, true).join();
        }

        /** The next message, within the wait. */
        String next() throws InterruptedException {
            String m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(m).as("a message within " + WAIT).isNotNull();
            return m;
        }

        /** The next message containing {@code part}, skipping others (generations of other queries). */
        String next(String part) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                String m = messages.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (m != null && m.contains(part)) {
                    return m;
                }
            }
            throw new AssertionError("no message with " + part + " within " + WAIT);
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    private static final String HELLO = "{\"type\":\"hello\",\"protocol\":1,\"capabilities\":[\"AGG_MARK_END\"]}";

    @Test
    void upgrade_withoutOrWithABadToken_is401() {
        for (String token : new String[] {null, "tmk_nonsense"}) {
            assertThatThrownBy(() -> Raw.open(token, null)).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                            .isEqualTo(401));
        }
        assertThatThrownBy(() -> Connection.open(ConnectionConfig.builder(f.uri()).token("tmk_nonsense").build()))
                .isInstanceOf(TidemarkClientException.class).extracting(e -> ((TidemarkClientException) e).code())
                .isEqualTo("UNAUTHENTICATED");
    }

    @Test
    void hello_withTheTokenAsQueryParameter_answersWithCapabilitiesAndTenant() throws Exception {
        Raw r = Raw.open(null, "?" + Protocol.TOKEN_PARAM + "=" + acme);
        r.send(HELLO);
        String hello = r.next();
        assertThat(hello).contains("\"type\":\"hello\"", "\"protocol\":1", "\"AGGREGATE_MARK_GENERATION\"",
                "\"tenant\":\"acme\"", "\"heartbeatTimeoutMillis\":2000");
        r.ws.abort();
    }

    @Test
    void hello_withTheTokenAsSubprotocol_selectsTidemarkLiveAndNeverEchoesTheToken() throws Exception {
        Raw r = Raw.open(null, null, Protocol.SUBPROTOCOL, Protocol.TOKEN_SUBPROTOCOL_PREFIX + acme);
        assertThat(r.ws.getSubprotocol()).isEqualTo(Protocol.SUBPROTOCOL);
        r.send(HELLO);
        assertThat(r.next()).contains("\"type\":\"hello\"", "\"tenant\":\"acme\"");
        r.ws.abort();
        assertThatThrownBy(() -> Raw.open(null, null, Protocol.SUBPROTOCOL, Protocol.TOKEN_SUBPROTOCOL_PREFIX + "tmk_nonsense"))
                .isInstanceOf(CompletionException.class).cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(401));
    }

    @Test
    void register_otherTenantsArchive_isNotFoundRevealingNothing() throws Exception {
        LiveRecorder rec = new LiveRecorder(true);
        try (Connection c = Connection.open(ConnectionConfig.builder(f.uri()).token(beta).build())) {
            c.registerQuery(QueryConfig.of("spy", "SELECT * FROM latest.secret"), rec);
            c.registerQuery(QueryConfig.of("nothing", "SELECT * FROM latest.nowhere"), rec);
            c.registerQuery(QueryConfig.of("own", "SELECT * FROM latest.mine"), rec);
            rec.await(WAIT, "both errors and the own snapshot", r -> r.error("spy") != null
                    && r.error("nothing") != null && r.result("own") != null);
        }
        TidemarkClientException spy = rec.error("spy");
        TidemarkClientException nothing = rec.error("nothing");
        assertThat(spy.code()).isEqualTo("NOT_FOUND");
        assertThat(spy.getMessage().replace("secret", "X")).isEqualTo(nothing.getMessage().replace("nowhere", "X"));
        assertThat(spy.getMessage()).doesNotContain("acme", "rtId", "temp");
    }

    @Test
    void malformedFrames_getAClearErrorAndTheConnectionKeepsWorking() throws Exception {
        Raw r = Raw.open(acme, null);
        r.send("{\"type\":\"register\",\"queryId\":\"early\",\"sql\":\"SELECT * FROM latest.secret\"}");
        assertThat(r.next()).contains("\"code\":\"HELLO_REQUIRED\"", "send hello first");
        r.send(HELLO);
        assertThat(r.next()).contains("\"type\":\"hello\"");
        String[][] cases = {
            {"{not json", "not valid JSON"},
            {"{\"sql\":\"SELECT 1\"}", "needs a string \\\"type\\\""},
            {"{\"type\":\"subscribe\"}", "unknown frame type 'subscribe'"},
            {"{\"type\":\"register\",\"queryId\":7,\"sql\":\"x\"}", "needs a string \\\"queryId\\\", got a number"},
            {"[1, 2]", "frame 0 of the array"},
            {"{\"type\":\"aggMarkEnd\",\"generation\":3}", "sent by the server only"},
            {HELLO, "already received"},
        };
        for (String[] c : cases) {
            r.send(c[0]);
            String m = r.next();
            assertThat(m).as(c[0]).contains("\"type\":\"error\"").contains(c[1]);
        }
        r.send("{\"type\":\"register\",\"queryId\":\"bad\",\"sql\":\"SELECT COALESCE(temp, 1) FROM latest.secret\"}");
        assertThat(r.next("queryError")).contains("\"queryId\":\"bad\"", "\"code\":\"INVALID_QUERY\"",
                "line 1, column 8");
        r.send("{\"type\":\"register\",\"queryId\":\"t\",\"sql\":\"SELECT 1\",\"queryType\":\"SOMETIMES\"}");
        assertThat(r.next("queryError")).contains("\"code\":\"INVALID_ARGUMENT\"", "SOMETIMES");
        r.send("{\"type\":\"ping\",\"nonce\":\"n1\"}");
        assertThat(r.next("pong")).contains("\"nonce\":\"n1\"");
        // After all that, the same connection still serves a query, and other clients are served too.
        r.send("{\"type\":\"register\",\"queryId\":\"ok\",\"sql\":\"SELECT rtId, temp FROM latest.secret\"}");
        String snapshot = r.next("snapshotBegin");
        assertThat(snapshot).contains("\"queryId\":\"ok\"", "\"aggMarkBegin\"", "\"tupleAdded\"", "\"s1\"",
                "\"aggMarkEnd\"");
        LiveRecorder other = new LiveRecorder(true);
        try (Connection c = Connection.open(ConnectionConfig.builder(f.uri()).token(acme).build())) {
            c.registerQuery(QueryConfig.of("q", "SELECT rtId, temp FROM latest.secret"), other);
            other.await(WAIT, "a snapshot", x -> x.result("q") != null && x.result("q").size() == 1);
        }
        r.ws.abort();
    }

    @Test
    void hello_withAnotherProtocolVersion_isAnErrorThenClose4400() throws Exception {
        Raw r = Raw.open(acme, null);
        r.send("{\"type\":\"hello\",\"protocol\":99,\"capabilities\":[]}");
        assertThat(r.next()).contains("UNSUPPORTED_VERSION", "version 99");
        assertThat(r.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Protocol.CLOSE_UNSUPPORTED_VERSION);
    }

    @Test
    void silentConnection_isClosedAfterTheHeartbeatTimeout() throws Exception {
        Raw r = Raw.open(acme, null);
        r.send(HELLO);
        assertThat(r.next()).contains("\"type\":\"hello\"");
        assertThat(r.next("HEARTBEAT_TIMEOUT")).contains("\"type\":\"error\"");
        assertThat(r.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(Protocol.CLOSE_HEARTBEAT_TIMEOUT);
    }

    @Test
    void clientWithHeartbeats_staysConnectedPastTheTimeout() {
        LiveRecorder rec = new LiveRecorder(true);
        try (Connection c = Connection.open(ConnectionConfig.builder(f.uri()).token(acme)
                .heartbeatInterval(Duration.ofMillis(300)).build())) {
            c.registerQuery(QueryConfig.of("q", "SELECT rtId, temp FROM latest.secret"), rec);
            rec.await(WAIT, "a snapshot", x -> x.result("q") != null);
            Instant later = Instant.now().plusSeconds(4);
            // Wait out twice the server's timeout by waiting for data published after it.
            for (int i = 0; Instant.now().isBefore(later); i++) {
                // Counted before publishing: the generation may be delivered before publish returns.
                long gens = rec.generations().size();
                c.publish("secret", List.of(Row.of("s2", Instant.now().truncatedTo(ChronoUnit.MILLIS),
                        Map.of("site", "y", "temp", 22.0 + i))));
                rec.await(WAIT, "the next generation", x -> x.generations().size() > gens);
            }
            assertThat(rec.snapshots("q")).as("never reconnected").isEqualTo(1);
            assertThat(c.isConnected()).isTrue();
        }
    }
}
