package io.tidemark.server.ingest.fast;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One {@code String} per distinct rtId of a body, looked up by its ASCII bytes: a batch names few series many times,
 * so a row costs a hash and a compare instead of a new string, and the batch's dedupe and the live tables hash each
 * distinct rtId once (a string caches its hash). Up to {@value #MAX_CACHED} distinct rtIds are kept; past that,
 * each row gets its own string again. Not thread-safe: one per body.
 */
final class RtIds {
    static final int MAX_CACHED = 1 << 16;

    private byte[][] keys = new byte[256][];
    private String[] values = new String[256];
    private int size;

    /** The rtId spelt by the ASCII bytes {@code b[from, to)}. */
    String of(byte[] b, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + b[i];
        }
        int mask = keys.length - 1;
        for (int slot = spread(h) & mask; ; slot = (slot + 1) & mask) {
            byte[] k = keys[slot];
            if (k == null) {
                String s = new String(b, from, to - from, StandardCharsets.ISO_8859_1);
                if (size < MAX_CACHED) {
                    keys[slot] = Arrays.copyOfRange(b, from, to);
                    values[slot] = s;
                    if (++size * 2 > keys.length) {
                        grow();
                    }
                }
                return s;
            }
            if (Arrays.equals(k, 0, k.length, b, from, to)) {
                return values[slot];
            }
        }
    }

    private static int spread(int h) {
        return (h ^ (h >>> 16)) * 0x9E3779B1;
    }

    private void grow() {
        byte[][] oldKeys = keys;
        String[] oldValues = values;
        keys = new byte[oldKeys.length * 2][];
        values = new String[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                int slot = spread(oldValues[i].hashCode()) & mask;
                while (keys[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }
}
