package io.tidemark.sql.wire;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A socket output stream that records when a write started, so the server's watchdog can close a socket whose write
 * has been blocked longer than the socket write timeout (blocking sockets have no write timeout of their own).
 */
final class TimedOutputStream extends FilterOutputStream {
    /** {@link System#nanoTime()} when the running write started; {@link #NOT_WRITING} while none runs. */
    private volatile long writeStartedNanos = NOT_WRITING;
    static final long NOT_WRITING = Long.MIN_VALUE;

    TimedOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        writeStartedNanos = System.nanoTime();
        try {
            out.write(b, off, len);
        } finally {
            writeStartedNanos = NOT_WRITING;
        }
    }

    @Override
    public void flush() throws IOException {
        writeStartedNanos = System.nanoTime();
        try {
            out.flush();
        } finally {
            writeStartedNanos = NOT_WRITING;
        }
    }

    /** Whether a write has been blocked for longer than {@code timeoutNanos} at {@code nowNanos}. */
    boolean blockedLongerThan(long timeoutNanos, long nowNanos) {
        long started = writeStartedNanos;
        return started != NOT_WRITING && nowNanos - started > timeoutNanos;
    }
}
