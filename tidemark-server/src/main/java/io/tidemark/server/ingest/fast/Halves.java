package io.tidemark.server.ingest.fast;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A large body read by a fast path in two halves at once, split at a line feed: the second half on the common pool,
 * the first on the calling thread, which then reads the second itself unless the pool has already started it (so a
 * busy pool costs nothing). Each half has its own parser and staging; the first half's last line numbers the
 * second's lines.
 */
public final class Halves {
    /** Smaller bodies are read on one thread. */
    public static final int MIN_BYTES = 1 << 20;

    private Halves() {}

    /** A fast path over {@code b[from, to)}, counting lines from 1; null when it gives up. */
    interface Range {
        Staged read(int from, int to);
    }

    /**
     * The staged rows of {@code b[from, to)}: one element, or two when the range is split (lines of the second
     * counted on from the first's {@link Staged#endLine()}); null when a half gives up.
     */
    static Staged[] read(byte[] b, int from, int to, Range range) {
        java.util.List<Staged> parts = split(b, from, to, range::read);
        return parts.contains(null) ? null : parts.toArray(new Staged[0]);
    }

    /**
     * {@code b[from, to)} read by {@code range} as one part, or, from {@link #MIN_BYTES} on, as two parts split after
     * a line feed near the middle, read at once as {@link #read} does; the parts in body order (an element is
     * whatever {@code range} returned for it, null included).
     */
    static <T> java.util.List<T> split(byte[] b, int from, int to, java.util.function.BiFunction<Integer, Integer, T> range) {
        int split = to - from < MIN_BYTES ? -1 : lineAfter(b, from + (to - from) / 2, to);
        if (split < 0) {
            return java.util.Collections.singletonList(range.apply(from, to));
        }
        AtomicBoolean claimed = new AtomicBoolean();
        CompletableFuture<T> second = new CompletableFuture<>();
        Runnable task = () -> {
            if (claimed.compareAndSet(false, true)) {
                try {
                    second.complete(range.apply(split, to));
                } catch (RuntimeException | Error e) {
                    second.completeExceptionally(e);
                }
            }
        };
        ForkJoinPool.commonPool().execute(task);
        T first = range.apply(from, split);
        task.run();
        T last;
        try {
            last = second.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        return java.util.Arrays.asList(first, last);
    }

    /** The index after the first line feed at or after {@code from}, if more body follows it; else -1. */
    private static int lineAfter(byte[] b, int from, int to) {
        for (int i = from; i < to - 1; i++) {
            if (b[i] == '\n') {
                return i + 1;
            }
        }
        return -1;
    }

    /** Hands the halves' rows to {@code rows} in order; returns the line each row began on. */
    static int[] replay(Staged[] halves, RowSink rows, int[] order) {
        int[] lines = halves[0].lines();
        halves[0].replay(rows, order);
        int offset = 0;
        for (int h = 1; h < halves.length; h++) {
            offset += halves[h - 1].endLine() - 1;
            int[] more = halves[h].lines();
            int at = lines.length;
            lines = java.util.Arrays.copyOf(lines, at + more.length);
            for (int i = 0; i < more.length; i++) {
                lines[at + i] = more[i] + offset;
            }
            halves[h].replay(rows, order);
        }
        return lines;
    }
}
