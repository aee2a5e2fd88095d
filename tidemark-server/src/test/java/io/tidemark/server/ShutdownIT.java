package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A clean shutdown finishes the batch in flight and answers it; a new server on the same store has it. */
class ShutdownIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    @TempDir
    Path dir;

    @Test
    void close_batchInFlight_isCommittedAnsweredAndThereAfterRestart() throws Exception {
        ServerFixture f = new ServerFixture(TestStores.duckDb(dir));
        String admin = f.token("t", Role.ADMIN);
        TidemarkClient c = f.client(admin);
        c.createArchive("s", Map.of("v", "DOUBLE"));
        c.activateArchive("s");

        awaitInFlightExactly(f, 0); // the admin requests above are fully done (their access log ran)
        byte[] first = rows(0, 500);
        byte[] rest = rows(500, 1000);
        try (Socket socket = new Socket(f.uri().getHost(), f.uri().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/archives/s/samples HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + admin
                    + "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + (first.length + rest.length)
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(first);
            out.flush();
            awaitInFlight(f, 1);

            CompletableFuture<Void> closed = CompletableFuture.runAsync(f.server::close);
            out.write(rest);
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            closed.get();
            assertThat(response).startsWith("HTTP/1.1 200").contains("\"written\":1000");
        }
        f.store.close();

        try (ServerFixture again = new ServerFixture(TestStores.duckDb(dir))) {
            List<Row> rows = again.client(again.token("t", Role.READER)).streamData("s", List.of(), T0,
                    T0.plusSeconds(10_000), 10_000);
            assertThat(rows).hasSize(1000);
        }
    }

    private static byte[] rows(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append("{\"rtId\":\"a\",\"timestamp\":").append(T0.toEpochMilli() + i * 1000L).append(",\"v\":")
                    .append(i).append("}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Spins until no request is in flight, so that a count of 1 afterwards can only be the next request. */
    private static void awaitInFlightExactly(ServerFixture f, int n) {
        await("exactly " + n + " requests in flight").atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1)).until(() -> inFlight(f) == n);
    }

    /** Polls the server's in-flight gauge every millisecond: the request has reached a handler. */
    private static void awaitInFlight(ServerFixture f, int n) {
        await("the request reached the server").atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(1)).until(() -> inFlight(f) >= n);
    }

    private static double inFlight(ServerFixture f) {
        return f.server.meterRegistry().get("tidemark.http.inflight").gauge().value();
    }
}
