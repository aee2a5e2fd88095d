package io.tidemark.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link HttpPoster} against the JDK's HTTP server on loopback: answers of every framing, keep-alive, the bound. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HttpPosterIT {
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private URI uri;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/fixed", x -> {
            byte[] in = x.getRequestBody().readAllBytes();
            seen.add(x.getRemoteAddress().getPort() + " " + x.getRequestHeaders().getFirst("Authorization") + " "
                    + new String(in, StandardCharsets.UTF_8));
            byte[] out = ("{\"written\":" + in.length + "}").getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, out.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(out);
            }
        });
        server.createContext("/chunked", x -> {
            x.getRequestBody().readAllBytes();
            x.sendResponseHeaders(400, 0);
            try (OutputStream o = x.getResponseBody()) {
                o.write("first part, ".getBytes(StandardCharsets.UTF_8));
                o.flush();
                o.write("second part".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/empty", x -> {
            x.getRequestBody().readAllBytes();
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        server.createContext("/stall", x -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    @Test
    void post_twice_sameConnectionHeadersAndBodies() throws Exception {
        try (HttpPoster p = new HttpPoster(uri, "/fixed", Duration.ofSeconds(5), "Authorization: Bearer x")) {
            byte[] body = "hello, world".getBytes(StandardCharsets.UTF_8);

            HttpPoster.Answer first = p.post(body, 5);
            HttpPoster.Answer second = p.post(body, body.length);

            assertThat(first.status()).isEqualTo(200);
            assertThat(first.text()).isEqualTo("{\"written\":5}");
            assertThat(second.text()).isEqualTo("{\"written\":12}");
        }
        assertThat(seen).hasSize(2);
        String port = seen.get(0).substring(0, seen.get(0).indexOf(' '));
        assertThat(seen).containsExactly(port + " Bearer x hello", port + " Bearer x hello, world");
    }

    @Test
    void post_chunkedAnswer_wholeBodyAndStatus() throws Exception {
        try (HttpPoster p = new HttpPoster(uri, "/chunked", Duration.ofSeconds(5))) {
            HttpPoster.Answer a = p.post(new byte[3], 3);

            assertThat(a.status()).isEqualTo(400);
            assertThat(a.text()).isEqualTo("first part, second part");
            assertThat(p.post(new byte[1], 1).status()).isEqualTo(400);
        }
    }

    @Test
    void post_noContent_emptyBodyAndTheConnectionStaysUsable() throws Exception {
        try (HttpPoster p = new HttpPoster(uri, "/empty", Duration.ofSeconds(5))) {
            assertThat(p.post(new byte[10], 10).body()).isEmpty();
            assertThat(p.post(new byte[10], 10).status()).isEqualTo(204);
        }
    }

    @Test
    void post_serverNeverAnswers_failsWithinTheBound() throws Exception {
        try (HttpPoster p = new HttpPoster(uri, "/stall", Duration.ofMillis(300))) {
            long t0 = System.nanoTime();

            assertThatThrownBy(() -> p.post(new byte[1], 1)).isInstanceOf(SocketTimeoutException.class);
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));
        }
    }
}
