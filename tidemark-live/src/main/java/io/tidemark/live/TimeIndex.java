package io.tidemark.live;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Rows ordered by timestamp, for expiry and time windows: they are visited by time range, never by scanning a
 * table. Rows sit in slices of {@code width} micros, in arrival order; a bucket is sorted only when a range query
 * needs it sorted and late arrivals disturbed it (in-order streams never sort). Deletion is lazy: a removed row stays
 * until its bucket is visited or the index is compacted, and {@code live} says whether an entry still counts; the
 * index compacts itself when dead entries outnumber live ones, so its size stays proportional to the table.
 * Guarded by the tenant lock.
 */
final class TimeIndex {
    /** Whether an entry is still in the table this index belongs to. */
    interface Liveness {
        boolean live(Object[] row);
    }

    private static final int MIN_COMPACT = 1024;
    /** The capacity of a first bucket, and the least of any. */
    private static final int MIN_BUCKET = 16;
    /** The most a new bucket is presized to (it still grows past it). */
    private static final int MAX_PRESIZE = 1 << 16;

    private final long width;
    private final Liveness liveness;
    private final TreeMap<Long, Slice> slices = new TreeMap<>();
    private Slice last;
    private long lastNo;
    private long entries;
    private long dead;

    TimeIndex(long widthMicros, Liveness liveness) {
        this.width = Math.max(1, widthMicros);
        this.liveness = liveness;
    }

    private static final class Slice {
        Object[][] rows;
        long[] micros;
        int head;
        int size;
        boolean sorted = true;

        Slice(int capacity) {
            rows = new Object[capacity][];
            micros = new long[capacity];
        }

        void add(Object[] row, long t) {
            if (size == rows.length) {
                if (head > size / 2) {
                    shift();
                } else {
                    rows = Arrays.copyOf(rows, size * 2);
                    micros = Arrays.copyOf(micros, size * 2);
                }
            }
            if (size > head && t < micros[size - 1]) {
                sorted = false;
            }
            rows[size] = row;
            micros[size] = t;
            size++;
        }

        private void shift() {
            System.arraycopy(rows, head, rows, 0, size - head);
            System.arraycopy(micros, head, micros, 0, size - head);
            Arrays.fill(rows, size - head, size, null);
            size -= head;
            head = 0;
        }

        void sort() {
            if (sorted) {
                return;
            }
            Integer[] order = new Integer[size - head];
            for (int i = 0; i < order.length; i++) {
                order[i] = head + i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(micros[a], micros[b]));
            Object[][] r = new Object[rows.length][];
            long[] m = new long[micros.length];
            for (int i = 0; i < order.length; i++) {
                r[i] = rows[order[i]];
                m[i] = micros[order[i]];
            }
            rows = r;
            micros = m;
            size -= head;
            head = 0;
            sorted = true;
        }

        /** The first position at or after head whose time is at least {@code t}; the bucket must be sorted. */
        int search(long t) {
            int lo = head;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (micros[mid] < t) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    void add(Object[] row, long micros) {
        long no = Math.floorDiv(micros, width);
        if (last == null || no != lastNo) {
            // A new bucket starts with room for as many entries as the bucket used last had (rows mostly arrive at a
            // steady rate, so it fills about as much) instead of growing there by doubling.
            int capacity = last == null ? MIN_BUCKET : Math.min(MAX_PRESIZE, Math.max(MIN_BUCKET, last.size));
            last = slices.computeIfAbsent(no, k -> new Slice(capacity));
            lastNo = no;
        }
        last.add(row, micros);
        entries++;
    }

    /** Counts a row removed from the table (its entry stays until visited or compacted). */
    void removed() {
        dead++;
        if (dead > MIN_COMPACT && dead > entries - dead) {
            compact();
        }
    }

    /** Removes every entry older than {@code floor}, passing the live ones to {@code sink} in time order. */
    void pollBefore(long floor, Consumer<Object[]> sink) {
        for (Iterator<Map.Entry<Long, Slice>> it = slices.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Long, Slice> e = it.next();
            Slice b = e.getValue();
            boolean whole = (e.getKey() + 1) * width <= floor;
            if (!whole) {
                b.sort();
            }
            while (b.head < b.size && (whole || b.micros[b.head] < floor)) {
                Object[] row = b.rows[b.head];
                b.rows[b.head] = null;
                b.head++;
                entries--;
                if (liveness.live(row)) {
                    sink.accept(row);
                } else {
                    dead--;
                }
            }
            if (b.head < b.size) {
                return;
            }
            it.remove();
            if (b == last) {
                last = null;
            }
        }
    }

    /** Passes the live entries with {@code from <= time < to} to {@code sink}, in time order; removes nothing. */
    void range(long from, long to, Consumer<Object[]> sink) {
        if (from >= to) {
            return;
        }
        for (Slice b : slices.subMap(Math.floorDiv(from, width), true, Math.floorDiv(to - 1, width), true).values()) {
            b.sort();
            for (int i = b.search(from); i < b.size && b.micros[i] < to; i++) {
                if (liveness.live(b.rows[i])) {
                    sink.accept(b.rows[i]);
                }
            }
        }
    }

    /** Drops dead entries everywhere: amortized, as it runs only once they outnumber the live ones. */
    private void compact() {
        for (Iterator<Slice> it = slices.values().iterator(); it.hasNext();) {
            Slice b = it.next();
            int k = 0;
            for (int i = b.head; i < b.size; i++) {
                if (liveness.live(b.rows[i])) {
                    b.rows[k] = b.rows[i];
                    b.micros[k] = b.micros[i];
                    k++;
                }
            }
            Arrays.fill(b.rows, k, b.size, null);
            b.head = 0;
            b.size = k;
            if (k == 0) {
                it.remove();
            }
        }
        last = null;
        entries -= dead;
        dead = 0;
    }
}
