package io.tidemark.sql.wire;

import io.tidemark.sql.SqlException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The DataRows of a suspended portal encoded while the client still works through the batch it has: pgjdbc with a
 * fetch size reads a whole batch off the socket, then decodes it row by row, and only then asks for the next one, so
 * without this the server sits idle while the client decodes and the client waits while the server encodes. At most
 * ONE batch (the row limit of the portal's last Execute) is held, encoded, per suspended portal; the next Execute sends
 * it first. Whatever ended the read-ahead early — the last row, an error, a cancel — is answered after those rows, at
 * the Execute that reaches it, as it would have been without the read-ahead.
 *
 * <p>Not thread-safe: used by the connection's thread.
 */
final class ReadAhead {
    /** Never written: the writer's buffer grows to hold the batch, which is at most one row limit of rows. */
    private static final OutputStream NOWHERE = new OutputStream() {
        @Override
        public void write(int b) {
            throw new IllegalStateException("a read-ahead batch is never sent by its own writer");
        }
    };

    private final MessageWriter rows = new MessageWriter(NOWHERE, Integer.MAX_VALUE);
    /** End offset in {@link #rows} of each row, from {@link #next}. */
    private int[] ends = new int[0];
    private int count;
    private int next;
    /** The row at offset 0 of what is left; start of row {@link #next}. */
    private int start;
    /** The cursor had no more rows after these. */
    boolean exhausted;
    /** The failure that stopped the read-ahead, answered after the rows before it. */
    SqlException failure;

    MessageWriter writer() {
        return rows;
    }

    /** Records that a row was completed in {@link #writer()}. */
    void rowEnded() {
        if (count == ends.length) {
            ends = java.util.Arrays.copyOf(ends, Math.max(16, count * 2));
        }
        ends[count++] = rows.buffered();
    }

    /** Rows held and not yet sent. */
    int rowsLeft() {
        return count - next;
    }

    /** Whether it holds nothing: no row, no end and no failure. */
    boolean isEmpty() {
        return rowsLeft() == 0 && !exhausted && failure == null;
    }

    /** Sends up to {@code max} held rows (0: all) through {@code out}; returns how many. */
    int sendTo(MessageWriter out, long max) throws IOException {
        int n = max <= 0 ? rowsLeft() : (int) Math.min(max, rowsLeft());
        if (n == 0) {
            return 0;
        }
        int end = ends[next + n - 1];
        out.raw(rows.bufferedBytes(), start, end);
        next += n;
        start = end;
        if (next == count) {
            rows.clear();
            count = 0;
            next = 0;
            start = 0;
        }
        return n;
    }
}
