package io.tidemark.server;

import io.tidemark.client.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The live queries of {@link LiveQueriesIT} evaluated from scratch in plain Java over the stored rows: the last
 * sample of a key wins, as in the store.
 */
record Oracle(Map<List<Object>, List<Object>> bySite, Map<List<Object>, List<Object>> warm) {

    static Oracle of(List<List<Row>> batches) {
        List<Row> rows = new ArrayList<>();
        batches.forEach(rows::addAll);
        return ofRows(rows);
    }

    static Oracle ofRows(List<Row> rows) {
        Map<List<Object>, Row> table = new LinkedHashMap<>();
        for (Row r : rows) {
            table.put(List.of(r.timestamp(), r.rtId()), r);
        }
        Map<String, double[]> sums = new TreeMap<>(); // n, temp sum, temp count, max power, hot
        Map<String, Row> latest = new HashMap<>();
        for (Row r : table.values()) {
            String site = (String) r.values().get("site");
            double[] s = sums.computeIfAbsent(site, k -> new double[] {0, 0, 0, Double.NEGATIVE_INFINITY, 0});
            s[0]++;
            Object temp = r.values().get("temp");
            if (temp != null) {
                s[1] += ((Number) temp).doubleValue();
                s[2]++;
            }
            double power = ((Number) r.values().get("power")).doubleValue();
            s[3] = Math.max(s[3], power);
            s[4] += power > 50 ? 1 : 0;
            Row prev = latest.get(r.rtId());
            if (prev == null || !r.timestamp().isBefore(prev.timestamp())) {
                latest.put(r.rtId(), r);
            }
        }
        Map<List<Object>, List<Object>> bySite = new HashMap<>();
        sums.forEach((site, s) -> bySite.put(List.of(site), Arrays.asList(site, (long) s[0],
                s[2] == 0 ? null : s[1] / s[2], s[3], (long) s[4])));
        Map<List<Object>, List<Object>> warm = new HashMap<>();
        latest.forEach((id, r) -> {
            Object temp = r.values().get("temp");
            if (temp != null && ((Number) temp).doubleValue() > 20) {
                warm.put(List.of(id), Arrays.asList(id, r.values().get("site"), ((Number) temp).doubleValue()));
            }
        });
        return new Oracle(bySite, warm);
    }

    /** Same keys and values; doubles to a relative 1e-9. */
    static boolean same(Map<List<Object>, List<Object>> actual, Map<List<Object>, List<Object>> expected) {
        if (actual == null || !actual.keySet().equals(expected.keySet())) {
            return false;
        }
        for (Map.Entry<List<Object>, List<Object>> e : expected.entrySet()) {
            List<Object> a = actual.get(e.getKey());
            List<Object> x = e.getValue();
            if (a.size() != x.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!close(a.get(i), x.get(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean close(Object a, Object b) {
        if (a instanceof Double x && b instanceof Double y) {
            return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.max(Math.abs(x), Math.abs(y)));
        }
        if (a instanceof Instant || b instanceof Instant) {
            return Objects.equals(a, b);
        }
        return Objects.equals(a, b);
    }
}
