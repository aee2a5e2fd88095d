package io.tidemark.server.http;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.time.Duration;

/**
 * Counts requests in flight and lets a shutdown wait for them. Once {@link #drain()} is called, new requests are
 * refused with {@code UNAVAILABLE}. Thread-safe.
 */
final class InFlight {
    private int count;
    private boolean draining;

    /** @throws TidemarkException {@code UNAVAILABLE} once draining */
    synchronized void enter() {
        if (draining) {
            throw new TidemarkException(ErrorCode.UNAVAILABLE, "the server is shutting down; retry on another node "
                    + "or after it restarts");
        }
        count++;
    }

    synchronized void exit() {
        count--;
        if (count == 0) {
            notifyAll();
        }
    }

    synchronized int count() {
        return count;
    }

    synchronized void drain() {
        draining = true;
    }

    synchronized boolean isDraining() {
        return draining;
    }

    /** Waits until no request is in flight, at most {@code timeout}; returns how many still are. */
    synchronized int awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return count;
    }
}
