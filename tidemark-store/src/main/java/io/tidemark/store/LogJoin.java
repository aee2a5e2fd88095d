package io.tidemark.store;

import io.tidemark.core.Sample;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a live node loads to join a tenant in the cluster (docs/scale-out.md, "Joining a tenant"), read by
 * {@link LogWriterStore#join} in one snapshot: the tenant's log position and, as of that same position, its archives
 * and the stored rows of each archive's live window. A node applies the rows, then follows the tenant's partition
 * from {@link #position()}: every record below it is in the rows, none at or above it. Immutable.
 *
 * @param position the tenant's committed log position in the snapshot
 * @param archives the tenant's archives in the snapshot, in creation order
 * @param rows per archive name: the newest row of each rtId with none since the floor asked for, then the stored rows
 *     from the floor, ordered by (timestamp, rtId), each part at most the limit asked for (as stored: a rollup
 *     archive's rows hold its partials); archives asked for no floor are absent
 */
public record LogJoin(LogPosition position, List<ArchiveInfo> archives, Map<String, List<Sample>> rows) {
    public LogJoin {
        Objects.requireNonNull(position, "position");
        archives = List.copyOf(archives);
        rows = Map.copyOf(rows);
    }
}
