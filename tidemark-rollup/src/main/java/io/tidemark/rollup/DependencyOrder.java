package io.tidemark.rollup;

import io.tidemark.store.RollupInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Orders a tenant's rollups so that every rollup comes after the rollup it reads from. */
final class DependencyOrder {
    private DependencyOrder() {}

    /**
     * A stable topological order: sources first, otherwise the given (creation) order. The store refuses cycles;
     * should one exist anyway, its members are appended in the given order rather than dropped.
     */
    static List<RollupInfo> sort(List<RollupInfo> rollups) {
        Map<String, RollupInfo> pending = new LinkedHashMap<>();
        rollups.forEach(r -> pending.put(name(r), r));
        List<RollupInfo> out = new ArrayList<>(rollups.size());
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (RollupInfo r : List.copyOf(pending.values())) {
                if (!pending.containsKey(source(r))) {
                    out.add(r);
                    pending.remove(name(r));
                    progress = true;
                }
            }
        }
        out.addAll(pending.values());
        return out;
    }

    /** The rollups that read directly from {@code source}, in the given order. */
    static List<RollupInfo> dependants(List<RollupInfo> rollups, String source) {
        return rollups.stream().filter(r -> source(r).equals(source)).toList();
    }

    private static String name(RollupInfo r) {
        return r.plan().definition().name();
    }

    private static String source(RollupInfo r) {
        return r.plan().definition().source();
    }
}
