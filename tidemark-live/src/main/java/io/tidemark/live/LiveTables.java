package io.tidemark.live;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Micros;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * The two live tables of one archive and the operators reading them. Guarded by the tenant lock.
 *
 * <p>Both tables hang off one map from rtId to its {@link Series}: the series' latest row ({@code latest}) and its
 * rows in the live window, sorted by time ({@code recent}, key {@code (timestamp, rtId)}). A sample costs at most one
 * hash lookup for both tables (none when its rtId is the one at its position in the previous batch) and allocates
 * nothing but its cell array. A {@link TimeIndex} over {@code recent} finds the rows that leave the window; one over
 * {@code latest} exists only while a query on {@code latest} has a time window.
 *
 * <p>A row is an {@code Object[]}: the cells {@code [rtId, micros, columns…]} ({@link #width}), then three slots
 * no expression reads: the row's series, its estimated size (an {@code Integer}, shared for all but huge rows;
 * complemented once the row left {@code recent}) and its group ids ({@link KeyDictionary#stamped}: a shared
 * {@code Integer} while one dictionary stamps it). So a row allocates its cell array and, unless the row before it in
 * the batch had the same timestamp, a {@code Long}; its other cells come from the committed batch.
 */
final class LiveTables {
    /** Per-row overhead estimate: the cell array's header and trailing slots, a time-index entry, a series slot. */
    private static final long ROW_OVERHEAD = 16 + 4 * 8 + 16 + 8;
    /** Boxed row sizes, shared by all rows (sizes are small, and an {@code Integer} per row would cost 16 bytes). */
    private static final Integer[] SIZES = new Integer[4096];
    /** The same sizes complemented: the size slot of a row that left {@code recent} (see {@link #markGoneRecent}). */
    private static final Integer[] GONE_SIZES = new Integer[SIZES.length];

    static {
        for (int i = 0; i < SIZES.length; i++) {
            SIZES[i] = i;
            GONE_SIZES[i] = ~i;
        }
    }

    /** Per-rtId overhead estimate: the series (with its time array and group-key cache) and its map entry. */
    private static final long SERIES_OVERHEAD = 48 + 48 + 40 + 32 + 24;

    final ArchiveDefinition archive;
    final long windowMicros;
    /** Cells per row; the slot after the cells holds the series, the next the size (see {@link #sizeRow}). */
    final int width;
    private final int seriesSlot;
    private final int sizeSlot;
    private final int idsSlot;
    /** Every rtId's series (a series is never removed: a rtId that left the window keeps its latest row). */
    HashMap<String, Series> series = new HashMap<>();
    /**
     * The series of the previous batch's rows, by position: a gateway sends the same series in the same order batch
     * after batch, so row {@code i} of a batch is usually the series of row {@code i} of the one before, and is found
     * by comparing the rtId with that series' key instead of a hash lookup (see {@link #seriesOf}).
     */
    private Series[] lastOrder = new Series[0];
    private final TimeIndex recentByTime;
    private TimeIndex latestByTime;
    private int recentRows;
    final List<Operator> recentOperators = new ArrayList<>();
    final List<Operator> latestOperators = new ArrayList<>();
    private final List<KeyDictionary> recentKeys = new ArrayList<>();
    private final List<KeyDictionary> latestKeys = new ArrayList<>();
    long bytes;
    /**
     * The greatest timestamp of a sample the memory budget kept out of {@code recent} (Long.MIN_VALUE: none):
     * {@code recent} misses it, so its queries are STALE, while it is in the live window.
     */
    private long recentMissingUntil = Long.MIN_VALUE;
    /**
     * Per rtId, the timestamp of a sample the memory budget kept out of {@code latest} although it was the rtId's
     * newest: {@code latest} misses it, so its queries are STALE, until a sample at least as new is applied.
     */
    private final HashMap<String, Long> latestMissing = new HashMap<>();
    /** Why each table is stale (the last refusal), for the status message. */
    private String recentMissingWhy;
    private String latestMissingWhy;
    /** The staleness last seen by {@link #staleChanged}. */
    private boolean recentWasStale;
    private boolean latestWasStale;
    /** The changes of the current call, per table, handed to the operators as one batch at its end. */
    private final ChangeBatch recentBatch;
    private final ChangeBatch latestBatch;

    LiveTables(ArchiveDefinition archive, long windowMicros) {
        this.archive = archive;
        this.windowMicros = windowMicros;
        this.width = 2 + archive.columns().size();
        this.seriesSlot = width;
        this.sizeSlot = width + 1;
        this.idsSlot = width + 2;
        this.recentBatch = new ChangeBatch(idsSlot);
        this.latestBatch = new ChangeBatch(idsSlot);
        this.recentByTime = new TimeIndex(Math.max(1_000, windowMicros / 64), row -> (Integer) row[sizeSlot] >= 0);
    }

    /**
     * One rtId: its latest row and its rows in the live window, sorted by time (a ring that grows). The rows'
     * timestamps are kept beside them in primitives, so placing a row reads no other row.
     */
    static final class Series {
        /** The most a ring is sized to from its rows' rate (past it, it doubles). */
        static final int RING_ESTIMATE_CAP = 256;
        /** The rtId and its hash. */
        final String key;
        final int hash;
        Object[] latest;
        /** The timestamp of {@link #latest}. */
        long latestMicros;
        private Object[][] rows = new Object[2][];
        private long[] times = new long[2];
        private int head;
        private int size;
        /**
         * Per GROUP BY dictionary number, the dictionary's entry for this series' last key (see KeyDictionary):
         * number 0 (the only one while a table has one GROUP BY) in a field of its own, so reading it costs no array.
         */
        private Object groupSlot0;
        private Object[] groupSlots;

        Series(String key) {
            this.key = key;
            this.hash = key.hashCode();
        }

        Object groupSlot(int number) {
            if (number == 0) {
                return groupSlot0;
            }
            return groupSlots == null || number >= groupSlots.length ? null : groupSlots[number];
        }

        void groupSlot(int number, Object slot) {
            if (number == 0) {
                groupSlot0 = slot;
                return;
            }
            if (groupSlots == null || number >= groupSlots.length) {
                groupSlots = groupSlots == null ? new Object[number + 1] : Arrays.copyOf(groupSlots, number + 1);
            }
            groupSlots[number] = slot;
        }

        /**
         * Inserts a recent row; returns the row it replaces (same timestamp), or null. {@code windowMicros} is the
         * live window, for sizing the ring (see {@link #ensureRoom}).
         */
        Object[] put(Object[] row, long t, long windowMicros) {
            if (size == head || t > times[size - 1]) {
                ensureRoom(windowMicros);
                rows[size] = row;
                times[size++] = t;
                return null;
            }
            int i = search(t);
            if (i < size && times[i] == t) {
                Object[] old = rows[i];
                rows[i] = row;
                return old;
            }
            ensureRoom(windowMicros);
            i = search(t);
            System.arraycopy(rows, i, rows, i + 1, size - i);
            System.arraycopy(times, i, times, i + 1, size - i);
            rows[i] = row;
            times[i] = t;
            size++;
            return null;
        }

        void remove(Object[] row, long t) {
            if (rows[head] == row) {
                rows[head++] = null;
            } else {
                int i = search(t);
                System.arraycopy(rows, i + 1, rows, i, size - 1 - i);
                System.arraycopy(times, i + 1, times, i, size - 1 - i);
                rows[size - 1] = null;
                size--;
            }
            if (head == size) {
                head = 0;
                size = 0;
            }
        }

        /** The first position at or after head whose time is at least {@code t}. */
        private int search(long t) {
            int lo = head;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (times[mid] < t) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /** The recent row at exactly {@code t}, or null. */
        Object[] at(long t) {
            if (size == head) {
                return null;
            }
            int i = search(t);
            return i < size && times[i] == t ? rows[i] : null;
        }

        /**
         * Makes room for one more row: shifts the ring down if rows left from its head, else grows it. A full ring
         * grows at once to what the rows so far say the window holds (their rate times the window, as a power of two,
         * at most {@link #RING_ESTIMATE_CAP}), and at least doubles: a series sampled at a steady rate grows once
         * instead of step by step from its first rows.
         */
        private void ensureRoom(long windowMicros) {
            if (size < rows.length) {
                return;
            }
            if (head > 0) {
                System.arraycopy(rows, head, rows, 0, size - head);
                System.arraycopy(times, head, times, 0, size - head);
                Arrays.fill(rows, size - head, size, null);
                size -= head;
                head = 0;
            } else {
                int n = Math.max(size * 2, expectedRows(windowMicros));
                rows = Arrays.copyOf(rows, n);
                times = Arrays.copyOf(times, n);
            }
        }

        /** The rows the window will hold at the rate of the rows so far, as a power of two; 0 if unknown. */
        private int expectedRows(long windowMicros) {
            long span = times[size - 1] - times[head];
            if (size - head < 2 || span <= 0) {
                return 0;
            }
            double perWindow = (double) windowMicros * (size - head - 1) / span + 2;
            if (perWindow >= RING_ESTIMATE_CAP) {
                return RING_ESTIMATE_CAP;
            }
            return Integer.highestOneBit((int) perWindow - 1) << 1;
        }

        void forEachRecent(Consumer<Object[]> sink) {
            for (int i = head; i < size; i++) {
                sink.accept(rows[i]);
            }
        }
    }

    /** An empty row: {@code width} cells plus the trailing slots. */
    static Object[] newRow(int width) {
        return new Object[width + 3];
    }

    /** Records a new row's estimated size in its row (computed once, outside the lock). */
    static long sizeRow(Object[] row, boolean[] text) {
        int b = (int) Math.min(Integer.MAX_VALUE, bytes(row, text));
        row[text.length + 1] = b < SIZES.length ? SIZES[b] : Integer.valueOf(b);
        return b;
    }

    /** Per cell of an archive's rows, whether it holds text (the rtId, VARCHAR columns): see {@link #bytes}. */
    static boolean[] textCells(ArchiveDefinition archive) {
        boolean[] text = new boolean[2 + archive.columns().size()];
        text[0] = true;
        for (int c = 0; c < archive.columns().size(); c++) {
            text[2 + c] = archive.columns().get(c).type() == ColumnType.VARCHAR;
        }
        return text;
    }

    /**
     * The estimated bytes of a row's cells: a string by its length, any other cell 16. Only text cells are looked
     * at ({@code text}, from {@link #textCells}); for the others the reference is enough, so sizing a row does not
     * touch its numbers.
     */
    static long bytes(Object[] row, boolean[] text) {
        long b = ROW_OVERHEAD + 8L * text.length;
        for (int i = 0; i < text.length; i++) {
            Object v = row[i];
            if (v == null) {
                continue;
            }
            b += text[i] && v instanceof String s ? 40 + 2L * s.length() : 16;
        }
        return b;
    }

    /** The size recorded by {@link #sizeRow}. */
    long bytes(Object[] row) {
        int b = (Integer) row[sizeSlot];
        return b >= 0 ? b : ~b;
    }

    /**
     * Marks a row as removed from {@code recent} (it may still be a series' latest row): its size slot then holds
     * the complement of its size, so the mark costs the row no slot of its own.
     */
    private void markGoneRecent(Object[] row) {
        int b = (Integer) row[sizeSlot];
        if (b >= 0) {
            row[sizeSlot] = b < GONE_SIZES.length ? GONE_SIZES[b] : Integer.valueOf(~b);
        }
    }

    /** Rows of recent must have a timestamp of at least this at {@code nowMicros}. */
    long recentFloor(long nowMicros) {
        return nowMicros - windowMicros;
    }

    /**
     * Bytes the tables would grow by if {@code rows} were applied (a conservative estimate, no change made); with
     * {@code recentToo} false, only {@code latest} and new series are counted.
     */
    long growth(Object[][] rows, long nowMicros, boolean recentToo) {
        long floor = recentFloor(nowMicros);
        long growth = 0;
        HashMap<String, Object[]> latestAfter = new HashMap<>();
        HashMap<RowKey, Object[]> recentAfter = new HashMap<>();
        for (Object[] row : rows) {
            String rtId = (String) row[0];
            long t = (Long) row[1];
            Series s = series.get(rtId);
            if (s == null && !latestAfter.containsKey(rtId)) {
                growth += SERIES_OVERHEAD;
            }
            if (recentToo && t >= floor) {
                RowKey key = new RowKey(t, rtId);
                Object[] old = recentAfter.containsKey(key) ? recentAfter.get(key) : recentRow(s, t);
                growth += bytes(row) - (old == null ? 0 : bytes(old));
                recentAfter.put(key, row);
            }
            Object[] prev = latestAfter.containsKey(rtId) ? latestAfter.get(rtId) : s == null ? null : s.latest;
            if (prev == null || t >= (Long) prev[1]) {
                growth += bytes(row) - (prev == null ? 0 : bytes(prev));
                latestAfter.put(rtId, row);
            }
        }
        return growth;
    }

    private static Object[] recentRow(Series s, long t) {
        return s == null ? null : s.at(t);
    }

    /**
     * Applies committed samples (sized by {@link #sizeRow}) to both tables, then hands each table's changes to its
     * operators as one batch (in order, so a row replaced within the batch is added before it is retracted).
     */
    void putAll(Object[][] rows, long nowMicros) {
        putAll(rows, nowMicros, true);
    }

    /**
     * Records samples the memory budget kept out: out of {@code recent} (those in the live window), and with
     * {@code latestToo} out of {@code latest} (those newer than their rtId's row). The tables' queries are STALE
     * until what is missing has left the window or been superseded ({@link #status}).
     */
    void missed(Object[][] rows, long nowMicros, boolean latestToo, String why) {
        long floor = recentFloor(nowMicros);
        for (Object[] row : rows) {
            long t = (Long) row[1];
            if (t >= floor && t > recentMissingUntil) {
                recentMissingUntil = t;
                recentMissingWhy = why;
            }
            if (!latestToo) {
                continue;
            }
            Series s = series.get((String) row[0]);
            if (s == null || s.latest == null || t >= s.latestMicros) {
                latestMissing.merge((String) row[0], t, Math::max);
                latestMissingWhy = why;
            }
        }
    }

    /** The status of the queries on one table: STALE while it misses samples the budget kept out. */
    QueryStatus status(boolean latestTable, long nowMicros) {
        if (latestTable ? latestMissing.isEmpty() : recentMissingUntil < recentFloor(nowMicros)) {
            return QueryStatus.OK;
        }
        String table = (latestTable ? Planner.LATEST : Planner.RECENT) + "." + archive.name();
        String until = latestTable ? "until newer samples of the " + latestMissing.size() + " rtIds concerned are "
                + "applied" : "until they leave the live window, at "
                + Micros.fromMicros(recentMissingUntil + windowMicros + 1) + " at the latest";
        return QueryStatus.stale(QueryStatus.MEMORY_BUDGET_EXCEEDED, table + " misses committed samples that did "
                + "not fit the live memory budget (they are stored): this result is not the query's answer " + until
                + ". " + (latestTable ? latestMissingWhy : recentMissingWhy));
    }

    /** Whether either table turned stale or OK since the last call. */
    boolean staleChanged(long nowMicros) {
        boolean recent = recentMissingUntil >= recentFloor(nowMicros);
        boolean latest = !latestMissing.isEmpty();
        boolean changed = recent != recentWasStale || latest != latestWasStale;
        recentWasStale = recent;
        latestWasStale = latest;
        return changed;
    }

    /** As {@link #putAll(Object[][], long)}; with {@code recentToo} false only {@code latest} takes the rows. */
    void putAll(Object[][] rows, long nowMicros, boolean recentToo) {
        if (series.isEmpty() && rows.length > 12) {
            // The first batch: size the map for its series at once instead of rehashing it up to there.
            series = new HashMap<>(rows.length * 4 / 3 + 1);
        }
        Series[] hints = lastOrder;
        Series[] order = hints.length >= rows.length ? hints : Arrays.copyOf(hints, rows.length);
        for (int i = 0; i < rows.length; i++) {
            order[i] = put(rows[i], nowMicros, i < hints.length ? hints[i] : null, recentToo);
        }
        lastOrder = order;
        flush();
    }

    /** The series of {@code rtId}, created if new; {@code hint} (may be null) is tried before the hash lookup. */
    private Series seriesOf(String rtId, Series hint) {
        if (hint != null && (hint.key == rtId || hint.hash == rtId.hashCode() && hint.key.equals(rtId))) {
            return hint;
        }
        Series s = series.get(rtId);
        if (s == null) {
            s = new Series(rtId);
            series.put(rtId, s);
            bytes += SERIES_OVERHEAD;
        }
        return s;
    }

    private void flush() {
        change(recentKeys, recentOperators, recentBatch);
        change(latestKeys, latestOperators, latestBatch);
    }

    /** Puts one row; returns its series. */
    private Series put(Object[] row, long nowMicros, Series hint, boolean recentToo) {
        long rowBytes = bytes(row);
        long t = (Long) row[1];
        Series s = seriesOf((String) row[0], hint);
        row[seriesSlot] = s;
        if (recentToo && t >= recentFloor(nowMicros)) {
            Object[] old = s.put(row, t, windowMicros);
            recentByTime.add(row, t);
            bytes += rowBytes;
            if (old != null) {
                markGoneRecent(old);
                recentByTime.removed();
                bytes -= bytes(old);
            } else {
                recentRows++;
            }
            recentBatch.add(old, row);
        }
        Object[] prev = s.latest;
        if (prev != null && t < s.latestMicros) {
            return s;
        }
        s.latest = row;
        s.latestMicros = t;
        if (!latestMissing.isEmpty()) {
            Long missing = latestMissing.get(s.key);
            if (missing != null && t >= missing) {
                latestMissing.remove(s.key);
            }
        }
        bytes += rowBytes - (prev == null ? 0 : bytes(prev));
        if (latestByTime != null) {
            latestByTime.add(row, t);
            if (prev != null) {
                latestByTime.removed();
            }
        }
        latestBatch.add(prev, row);
        return s;
    }

    /** Removes recent rows that left the live window; returns whether any did. */
    boolean expire(long nowMicros) {
        int before = recentRows;
        recentByTime.pollBefore(recentFloor(nowMicros), this::expireRow);
        flush();
        return recentRows != before;
    }

    private void expireRow(Object[] row) {
        markGoneRecent(row);
        ((Series) row[seriesSlot]).remove(row, (Long) row[1]);
        recentRows--;
        bytes -= bytes(row);
        recentBatch.add(row, null);
    }

    /** Moves every operator's time window to {@code nowMicros}; returns whether any row left a window. */
    boolean advanceWindows(long nowMicros) {
        boolean any = false;
        for (Operator op : recentOperators) {
            any |= op.advanceWindow(nowMicros, recentByTime);
        }
        for (Operator op : latestOperators) {
            any |= latestByTime != null && op.advanceWindow(nowMicros, latestByTime);
        }
        return any;
    }

    List<Operator> operators(boolean latestTable) {
        return latestTable ? latestOperators : recentOperators;
    }

    /** Adds an operator (already populated) to a table. */
    void attach(Operator op) {
        boolean latest = op.plan.latest();
        operators(latest).add(op);
        if (latest && op.plan.window() != null && latestByTime == null) {
            latestByTime = new TimeIndex(1_000_000, row -> ((Series) row[seriesSlot]).latest == row);
            for (Series s : series.values()) {
                latestByTime.add(s.latest, s.latestMicros);
            }
        }
    }

    /** Removes an operator from its table; the last windowed query on latest drops latest's time index. */
    void detach(Operator op) {
        boolean latest = op.plan.latest();
        operators(latest).remove(op);
        if (op.keys != null && --op.keys.users == 0) {
            keyDictionaries(latest).remove(op.keys);
        }
        if (latest && latestOperators.stream().noneMatch(o -> o.plan.window() != null)) {
            latestByTime = null;
        }
    }

    /**
     * The dictionary for a GROUP BY over one table, shared by every operator with the same expressions; a new one is
     * filled from the table's rows. The caller counts itself as a user.
     */
    KeyDictionary keyDictionary(boolean latestTable, List<Expr> groupBy) {
        List<KeyDictionary> dicts = keyDictionaries(latestTable);
        for (KeyDictionary d : dicts) {
            if (d.exprs.equals(groupBy)) {
                d.users++;
                return d;
            }
        }
        KeyDictionary d = new KeyDictionary(groupBy, freeDictionaryNumber(), idsSlot, seriesSlot);
        forEachRow(latestTable, d::retain);
        d.users++;
        dicts.add(d);
        return d;
    }

    /** The smallest number no live dictionary of either table uses (a row can be in both tables). */
    private int freeDictionaryNumber() {
        for (int n = 0;; n++) {
            int k = n;
            if (recentKeys.stream().noneMatch(d -> d.number == k) && latestKeys.stream().noneMatch(d -> d.number == k)) {
                return n;
            }
        }
    }

    private List<KeyDictionary> keyDictionaries(boolean latestTable) {
        return latestTable ? latestKeys : recentKeys;
    }

    /** After a cut's output is collected: group ids freed during the generation may be reused. */
    void endCut() {
        recentKeys.forEach(KeyDictionary::endCut);
        latestKeys.forEach(KeyDictionary::endCut);
    }

    void forEachRow(boolean latestTable, Consumer<Object[]> sink) {
        for (Series s : series.values()) {
            if (latestTable) {
                sink.accept(s.latest);
            } else {
                s.forEachRecent(sink);
            }
        }
    }

    /** Dictionaries learn the batch's new rows before the operators see them and forget the old ones after. */
    private static void change(List<KeyDictionary> keys, List<Operator> operators, ChangeBatch batch) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        for (int k = 0; k < keys.size(); k++) {
            KeyDictionary d = keys.get(k);
            for (int i = 0; i < n; i++) {
                Object[] neu = batch.neu(i);
                if (neu != null) {
                    d.retain(neu);
                }
            }
        }
        for (int i = 0; i < operators.size(); i++) {
            operators.get(i).onChanges(batch);
        }
        for (int k = 0; k < keys.size(); k++) {
            KeyDictionary d = keys.get(k);
            for (int i = 0; i < n; i++) {
                Object[] old = batch.old(i);
                if (old != null) {
                    d.release(old);
                }
            }
        }
        batch.clear();
    }
}
