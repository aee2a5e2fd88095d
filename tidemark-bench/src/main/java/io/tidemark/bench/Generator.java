package io.tidemark.bench;

import io.tidemark.core.Sample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Deterministic samples: {@code rtIds} series, one sample per series per second for {@code seconds} seconds, two
 * doubles each, in time order, cut into batches.
 */
final class Generator {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private final int rtIds;
    private final int seconds;
    private final int batchSize;
    private final String[] names;

    Generator(int rtIds, int seconds, int batchSize) {
        this.rtIds = rtIds;
        this.seconds = seconds;
        this.batchSize = batchSize;
        this.names = new String[rtIds];
        for (int i = 0; i < rtIds; i++) {
            names[i] = "sensor-" + i;
        }
    }

    long total() {
        return (long) rtIds * seconds;
    }

    int batches() {
        return (int) ((total() + batchSize - 1) / batchSize);
    }

    /** Batch {@code k} in primitive form. */
    Batch batch(int k) {
        long from = (long) k * batchSize;
        int n = (int) Math.min(batchSize, total() - from);
        Batch b = new Batch(n);
        for (int j = 0; j < n; j++) {
            long idx = from + j;
            int second = (int) (idx / rtIds);
            int series = (int) (idx % rtIds);
            b.rtIds[j] = names[series];
            b.micros[j] = (T0.getEpochSecond() + second) * 1_000_000L;
            b.a[j] = 20 + 5 * Math.sin(second / 60.0 + series);
            b.b[j] = series + second * 0.001;
        }
        return b;
    }

    /** The same batch as client samples. */
    static List<Sample> samples(Batch b) {
        List<Sample> out = new ArrayList<>(b.size());
        for (int j = 0; j < b.size(); j++) {
            long m = b.micros[j];
            out.add(new Sample(b.rtIds[j], Instant.ofEpochSecond(m / 1_000_000L), Map.of("a", b.a[j], "b", b.b[j])));
        }
        return out;
    }

    /** One batch, columnar. */
    static final class Batch {
        final String[] rtIds;
        final long[] micros;
        final double[] a;
        final double[] b;

        Batch(int n) {
            rtIds = new String[n];
            micros = new long[n];
            a = new double[n];
            b = new double[n];
        }

        int size() {
            return rtIds.length;
        }
    }
}
