package io.tidemark.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Samples as many gateways post them: gateway (client) {@code c} owns {@code series} rtIds {@code gw<c>-s<j>}, and
 * its request {@code r} carries one sample of each at {@code T0 + r} seconds, so every request is a distinct set of
 * keys (fresh samples, never a re-send). Values depend on the series only: {@code a = 20 + (j % 400) / 4},
 * {@code b = c + j / 1000}.
 *
 * <p>Bodies are rendered from a per-client template whose timestamps (epoch milliseconds, always 13 digits) are
 * patched in place per request: the writer threads share the 2 cores with the server under test, and formatting
 * doubles per request would be client cost that no server pays.
 */
final class GatewayLoad {
    /** The epoch millisecond of request 0. */
    static final long T0_MILLIS = Generator.T0.toEpochMilli();
    private static final int TS_DIGITS = 13;

    /** Body formats: NDJSON (Tidemark's {@code /api/v1/archives/…/samples}) and InfluxDB line protocol. */
    enum Format {
        NDJSON("ndjson"),
        LINE("line");

        private final String label;

        Format(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }

        static Format of(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "ndjson" -> NDJSON;
                case "line" -> LINE;
                default -> throw new IllegalArgumentException("unknown format " + s + " (ndjson or line)");
            };
        }
    }

    private final int series;

    /** @param series samples per request (rtIds per gateway) */
    GatewayLoad(int series) {
        if (series < 1) {
            throw new IllegalArgumentException("samples per request must be at least 1");
        }
        this.series = series;
    }

    int series() {
        return series;
    }

    static String rtId(int client, int j) {
        return "gw" + client + "-s" + j;
    }

    static double a(int j) {
        return 20 + (j % 400) * 0.25;
    }

    static double b(int client, int j) {
        return client + j / 1000.0;
    }

    static long millis(long request) {
        return T0_MILLIS + request * 1000L;
    }

    /**
     * One client's body template in {@code format}; {@code measurement} is the line protocol's measurement (the
     * table or archive), unused for NDJSON.
     */
    Body body(Format format, int client, String measurement) {
        StringBuilder sb = new StringBuilder(series * 72);
        int[] offsets = new int[series];
        for (int j = 0; j < series; j++) {
            if (format == Format.NDJSON) {
                sb.append("{\"rtId\":\"").append(rtId(client, j)).append("\",\"timestamp\":");
                offsets[j] = sb.length();
                sb.append(millis(0)).append(",\"a\":").append(a(j)).append(",\"b\":").append(b(client, j))
                        .append("}\n");
            } else {
                sb.append(measurement).append(",rtId=").append(rtId(client, j)).append(" a=").append(a(j))
                        .append(",b=").append(b(client, j)).append(' ');
                offsets[j] = sb.length();
                sb.append(millis(0)).append('\n');
            }
        }
        return new Body(sb.toString().getBytes(StandardCharsets.US_ASCII), offsets);
    }

    /**
     * The samples of requests {@code [from[c], to[c])} of every client {@code c}, cut into batches of at most
     * {@code rows} rows, for a baseline loading exactly what the server acknowledged.
     */
    List<Generator.Batch> batches(int[] from, int[] to, int rows) {
        List<Generator.Batch> out = new ArrayList<>();
        long total = 0;
        for (int c = 0; c < from.length; c++) {
            total += (long) (to[c] - from[c]) * series;
        }
        Generator.Batch b = null;
        int k = 0;
        for (int c = 0; c < from.length; c++) {
            String[] names = new String[series];
            for (int j = 0; j < series; j++) {
                names[j] = rtId(c, j);
            }
            for (int r = from[c]; r < to[c]; r++) {
                for (int j = 0; j < series; j++) {
                    if (b == null || k == b.size()) {
                        b = new Generator.Batch((int) Math.min(rows, total));
                        total -= b.size();
                        out.add(b);
                        k = 0;
                    }
                    b.rtIds[k] = names[j];
                    b.micros[k] = millis(r) * 1000L;
                    b.a[k] = a(j);
                    b.b[k] = b(c, j);
                    k++;
                }
            }
        }
        return out;
    }

    /** A client's request body; {@link #render} rewrites its timestamps in place. Confined to one thread. */
    static final class Body {
        final byte[] bytes;
        private final int[] offsets;

        Body(byte[] bytes, int[] offsets) {
            this.bytes = bytes;
            this.offsets = offsets;
        }

        /** Sets every sample's timestamp to request {@code r}'s and returns the bytes. */
        byte[] render(long request) {
            long v = millis(request);
            for (int off : offsets) {
                long x = v;
                for (int i = off + TS_DIGITS - 1; i >= off; i--) {
                    bytes[i] = (byte) ('0' + x % 10);
                    x /= 10;
                }
            }
            return bytes;
        }
    }
}
