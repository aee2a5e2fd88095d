package io.tidemark.server.ingest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Fails with {@link TooLarge} once more than {@code max} bytes were read. Not thread-safe. */
final class LimitedInputStream extends FilterInputStream {
    private final long max;
    private long count;

    /** Thrown through the parsers, which pass I/O errors on unchanged. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(long max) {
            super("body larger than " + max + " bytes");
        }
    }

    LimitedInputStream(InputStream in, long max) {
        super(in);
        this.max = max;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            add(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
            add(n);
        }
        return n;
    }

    private void add(long n) throws TooLarge {
        count += n;
        if (count > max) {
            throw new TooLarge(max);
        }
    }
}
