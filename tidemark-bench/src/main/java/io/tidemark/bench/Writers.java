package io.tidemark.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * {@code clients} gateways posting {@link GatewayLoad} requests at once, each on its own thread and keep-alive
 * connection, as fast as the server acknowledges them, for a bounded time. Client {@code c} sends its requests in
 * order, continuing where its previous {@link #run} stopped, so a warm-up run and the measured run post distinct keys
 * into the same table.
 *
 * <p>An answer of 429 or 503 (the server refusing for now: nothing of the batch is stored) is counted and the same
 * request sent again; any other answer than the expected success ends the run with an {@link Failed} that carries the
 * status and body. A request still unanswered when the time is up is finished (its answer counts), none is started
 * after. Not thread-safe: one run at a time.
 */
final class Writers implements AutoCloseable {
    /** What one run acknowledged. */
    record Result(int clients, int series, int[] from, int[] to, long nanos, long refused) {
        long requests() {
            long n = 0;
            for (int c = 0; c < from.length; c++) {
                n += to[c] - from[c];
            }
            return n;
        }

        long samples() {
            return requests() * series;
        }

        double samplesPerSecond() {
            return samples() / (nanos / 1e9);
        }
    }

    /** A run ended by an unexpected answer or an I/O error. */
    static final class Failed extends RuntimeException {
        private final int status;

        Failed(int status, String message, Throwable cause) {
            super(message, cause);
            this.status = status;
        }

        /** The HTTP status that ended the run, or -1 for an I/O error. */
        int status() {
            return status;
        }
    }

    private final GatewayLoad load;
    private final int success;
    private final HttpPoster[] posters;
    private final GatewayLoad.Body[] bodies;
    private final int[] next;
    private final Duration bound;

    /**
     * @param connect opens client {@code c}'s connection
     * @param format body format
     * @param measurement the line protocol measurement (unused for NDJSON)
     * @param success the status that acknowledges a request (200 for NDJSON, 204 for line protocol)
     * @param bound how long a run may overrun its duration (requests still in flight) before it fails
     */
    Writers(GatewayLoad load, int clients, IntFunction<HttpPoster> connect, GatewayLoad.Format format,
            String measurement, int success, Duration bound) {
        this.load = load;
        this.success = success;
        this.bound = bound;
        this.posters = new HttpPoster[clients];
        this.bodies = new GatewayLoad.Body[clients];
        this.next = new int[clients];
        for (int c = 0; c < clients; c++) {
            posters[c] = connect.apply(c);
            bodies[c] = load.body(format, c, measurement);
        }
    }

    /** Posts for {@code duration} from every client at once; returns what was acknowledged. */
    Result run(Duration duration) throws InterruptedException {
        int clients = posters.length;
        int[] from = next.clone();
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(clients);
        AtomicReference<Failed> failure = new AtomicReference<>();
        AtomicLong refused = new AtomicLong();
        long[] deadline = new long[1];
        List<Thread> threads = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    post(client, deadline[0], failure, refused);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }, "bench-writer-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        ready.await();
        long t0 = System.nanoTime();
        deadline[0] = t0 + duration.toNanos();
        go.countDown();
        if (!done.await(duration.toNanos() + bound.toNanos(), TimeUnit.NANOSECONDS)) {
            threads.forEach(Thread::interrupt);
            close();
            throw new Failed(-1, "writers still waiting for answers " + bound + " after the run's " + duration
                    + " ended", null);
        }
        long nanos = System.nanoTime() - t0;
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Result(clients, load.series(), from, next.clone(), nanos, refused.get());
    }

    private void post(int c, long deadline, AtomicReference<Failed> failure, AtomicLong refused) {
        HttpPoster poster = posters[c];
        GatewayLoad.Body body = bodies[c];
        while (failure.get() == null && System.nanoTime() < deadline) {
            byte[] bytes = body.render(next[c]);
            HttpPoster.Answer answer;
            try {
                answer = poster.post(bytes, bytes.length);
            } catch (IOException e) {
                failure.compareAndSet(null, new Failed(-1, "client " + c + ", request " + next[c] + ": " + e, e));
                return;
            }
            if (answer.status() == success) {
                next[c]++;
            } else if (answer.status() == 429 || answer.status() == 503) {
                refused.incrementAndGet();
            } else {
                failure.compareAndSet(null, new Failed(answer.status(), "client " + c + ", request " + next[c]
                        + ": HTTP " + answer.status() + " " + abbreviate(answer.text()), null));
                return;
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }

    /** Requests acknowledged per client over every run so far. */
    int[] acknowledged() {
        return Arrays.copyOf(next, next.length);
    }

    @Override
    public void close() {
        for (HttpPoster p : posters) {
            try {
                p.close();
            } catch (IOException e) {
                // closing a benchmark connection: nothing left to do with the error
            }
        }
    }
}
