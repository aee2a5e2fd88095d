package io.tidemark.live;

import io.tidemark.core.ArchiveDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The two live tables of one archive and the operators reading them. {@code recent} is ordered by
 * {@code (timestamp, rtId)}, which is both its key and the index that expiry and time windows walk;
 * {@code latest} is keyed by rtId with a time index beside it. Guarded by the tenant lock.
 */
final class LiveTables {
    /** Per-row overhead estimate: the cell array, a map entry and its key. */
    private static final long ROW_OVERHEAD = 16 + 64 + 32;

    final ArchiveDefinition archive;
    final long windowMicros;
    final TreeMap<RowKey, Object[]> recent = new TreeMap<>();
    final Map<String, Object[]> latest = new HashMap<>();
    final TreeMap<RowKey, Object[]> latestByTime = new TreeMap<>();
    final List<Operator> recentOperators = new ArrayList<>();
    final List<Operator> latestOperators = new ArrayList<>();
    long bytes;

    LiveTables(ArchiveDefinition archive, long windowMicros) {
        this.archive = archive;
        this.windowMicros = windowMicros;
    }

    static long bytes(Object[] row) {
        long b = ROW_OVERHEAD + 8L * row.length;
        for (Object v : row) {
            if (v instanceof String s) {
                b += 40 + 2L * s.length();
            } else if (v != null) {
                b += 16;
            }
        }
        return b;
    }

    /** Rows of recent must have a timestamp of at least this at {@code nowMicros}. */
    long recentFloor(long nowMicros) {
        return nowMicros - windowMicros;
    }

    /** Bytes the tables would grow by if {@code rows} were applied (a conservative estimate, no change made). */
    long growth(List<Object[]> rows, long nowMicros) {
        long floor = recentFloor(nowMicros);
        long growth = 0;
        Map<String, Object[]> latestAfter = new HashMap<>();
        for (Object[] row : rows) {
            if ((Long) row[1] >= floor) {
                Object[] old = recent.get(RowKey.of(row));
                growth += bytes(row) - (old == null ? 0 : bytes(old));
            }
            String rtId = (String) row[0];
            Object[] prev = latestAfter.containsKey(rtId) ? latestAfter.get(rtId) : latest.get(rtId);
            if (prev == null || (Long) row[1] >= (Long) prev[1]) {
                growth += bytes(row) - (prev == null ? 0 : bytes(prev));
                latestAfter.put(rtId, row);
            }
        }
        return growth;
    }

    /** Applies one committed sample to both tables and their operators. */
    void put(Object[] row, long nowMicros) {
        if ((Long) row[1] >= recentFloor(nowMicros)) {
            Object[] old = recent.put(RowKey.of(row), row);
            bytes += bytes(row) - (old == null ? 0 : bytes(old));
            dispatch(recentOperators, old, row);
        }
        String rtId = (String) row[0];
        Object[] prev = latest.get(rtId);
        if (prev != null && (Long) row[1] < (Long) prev[1]) {
            return;
        }
        latest.put(rtId, row);
        if (prev != null) {
            latestByTime.remove(RowKey.of(prev));
        }
        latestByTime.put(RowKey.of(row), row);
        bytes += bytes(row) - (prev == null ? 0 : bytes(prev));
        dispatch(latestOperators, prev, row);
    }

    /** Removes recent rows that left the live window; returns whether any did. */
    boolean expire(long nowMicros) {
        Map<RowKey, Object[]> gone = recent.headMap(RowKey.floor(recentFloor(nowMicros)), false);
        if (gone.isEmpty()) {
            return false;
        }
        for (Iterator<Object[]> it = gone.values().iterator(); it.hasNext();) {
            Object[] row = it.next();
            it.remove();
            bytes -= bytes(row);
            dispatch(recentOperators, row, null);
        }
        return true;
    }

    /** Moves every operator's time window to {@code nowMicros}; returns whether any row left a window. */
    boolean advanceWindows(long nowMicros) {
        boolean any = false;
        for (Operator op : recentOperators) {
            any |= op.advanceWindow(nowMicros, recent);
        }
        for (Operator op : latestOperators) {
            any |= op.advanceWindow(nowMicros, latestByTime);
        }
        return any;
    }

    List<Operator> operators(boolean latestTable) {
        return latestTable ? latestOperators : recentOperators;
    }

    Iterable<Object[]> rows(boolean latestTable) {
        return latestTable ? latest.values() : recent.values();
    }

    private static void dispatch(List<Operator> operators, Object[] old, Object[] neu) {
        for (int i = 0; i < operators.size(); i++) {
            operators.get(i).onChange(old, neu);
        }
    }
}
