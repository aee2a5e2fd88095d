package io.tidemark.server.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;

/**
 * A body read whole into memory for a fast path, which can hand it on unchanged: {@link #replay()} gives the same
 * bytes and then whatever ended the read early (the byte limit's error, a dropped connection's, or the rest of a
 * body too large for one array), so the Jackson path behaves as if it had read the stream itself. Not thread-safe.
 */
final class Body {
    private static final int FIRST_CHUNK = 64 * 1024;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    final byte[] bytes;
    final int length;
    /** What follows the bytes read: null at the end of the stream. */
    private final InputStream rest;

    private Body(byte[] bytes, int length, InputStream rest) {
        this.bytes = bytes;
        this.length = length;
        this.rest = rest;
    }

    /** Reads {@code in} to its end, to its first I/O error (kept for {@link #replay()}) or to the array limit. */
    static Body read(InputStream in) {
        byte[] buf = new byte[FIRST_CHUNK];
        int len = 0;
        try {
            while (true) {
                if (len == buf.length) {
                    if (len == MAX_ARRAY) {
                        return new Body(buf, len, in);
                    }
                    buf = java.util.Arrays.copyOf(buf, len > MAX_ARRAY / 2 ? MAX_ARRAY : len * 2);
                }
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) {
                    return new Body(buf, len, null);
                }
                len += n;
            }
        } catch (IOException e) {
            return new Body(buf, len, failing(e));
        }
    }

    /** Whether the whole stream was read: a fast path only takes a complete body. */
    boolean complete() {
        return rest == null;
    }

    /** The bytes read, then what ended the read early, if anything did. */
    InputStream replay() {
        InputStream bytesRead = new ByteArrayInputStream(bytes, 0, length);
        return rest == null ? bytesRead : new SequenceInputStream(bytesRead, rest);
    }

    private static InputStream failing(IOException e) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                throw e;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                throw e;
            }
        };
    }
}
