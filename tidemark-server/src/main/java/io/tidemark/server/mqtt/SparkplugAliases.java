package io.tidemark.server.mqtt;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Sample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;

/**
 * What the BIRTH messages seen so far defined: per edge node ({@code group/node}) and device
 * ({@code group/node/device}), metric alias → name and name → datatype. An NBIRTH replaces its node's definitions and
 * drops its devices' (they are born again after it); a DBIRTH replaces its device's; NDEATH and DDEATH drop them.
 * Turns a BIRTH or DATA payload into samples. Kept in memory only: after a restart, DATA that names metrics only by
 * alias is refused until the edge node's next BIRTH. Not thread-safe (the MQTT writer thread owns it).
 */
final class SparkplugAliases {
    private record Known(String name, int datatype) {}

    private final Map<String, Map<Long, Known>> aliases = new HashMap<>();
    private final Map<String, Map<String, Integer>> types = new HashMap<>();

    /** DATA named a metric by an alias no BIRTH defined. */
    static final class UnknownAlias extends Exception {
        private static final long serialVersionUID = 1L;

        UnknownAlias(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The samples of one message, and the metrics left out because the archive has no column for them.
     *
     * @param ignored the left-out metrics' names
     */
    record Decoded(List<Sample> samples, List<String> ignored) {}

    /**
     * Applies one message: a BIRTH defines aliases and its values are samples too; DATA becomes samples; a DEATH
     * forgets; other types (NCMD, DCMD, STATE) are none of a subscriber's business.
     *
     * @param rtId the samples' rtId
     * @param archive the target archive: metrics go to the column {@link Sparkplug#column} names, and metrics without
     *     one are left out (reported in {@link Decoded#ignored})
     * @param receivedAt the timestamp of a metric when neither it nor the payload has one
     * @return null for a message type that carries no samples
     * @throws UnknownAlias naming the alias and the edge node or device
     */
    Decoded apply(Sparkplug.Topic t, Payload p, ArchiveDefinition archive, String rtId, Instant receivedAt)
            throws UnknownAlias {
        switch (t.type()) {
            case "NBIRTH" -> {
                forgetNode(t.nodeKey());
                learn(t.nodeKey(), p);
            }
            case "DBIRTH" -> learn(t.deviceKey(), p);
            case "NDATA", "DDATA" -> { }
            case "NDEATH" -> {
                forgetNode(t.nodeKey());
                return null;
            }
            case "DDEATH" -> {
                aliases.remove(t.deviceKey());
                types.remove(t.deviceKey());
                return null;
            }
            default -> {
                return null;
            }
        }
        return samples(t, p, archive, rtId, receivedAt);
    }

    /** Whether a BIRTH of this edge node or device has been seen (and not undone by a DEATH). */
    boolean born(Sparkplug.Topic t) {
        return aliases.containsKey(t.deviceKey());
    }

    private void forgetNode(String nodeKey) {
        aliases.keySet().removeIf(k -> k.equals(nodeKey) || k.startsWith(nodeKey + "/"));
        types.keySet().removeIf(k -> k.equals(nodeKey) || k.startsWith(nodeKey + "/"));
    }

    private void learn(String key, Payload p) {
        Map<Long, Known> byAlias = new HashMap<>();
        Map<String, Integer> byName = new HashMap<>();
        for (Metric m : p.getMetricsList()) {
            if (!m.hasName()) {
                continue;
            }
            int type = m.hasDatatype() ? m.getDatatype() : 0;
            byName.put(m.getName(), type);
            if (m.hasAlias()) {
                byAlias.put(m.getAlias(), new Known(m.getName(), type));
            }
        }
        aliases.put(key, byAlias);
        types.put(key, byName);
    }

    private Decoded samples(Sparkplug.Topic t, Payload p, ArchiveDefinition archive, String rtId, Instant receivedAt)
            throws UnknownAlias {
        Map<Long, Known> byAlias = aliases.getOrDefault(t.deviceKey(), Map.of());
        Map<String, Integer> byName = types.getOrDefault(t.deviceKey(), Map.of());
        long fallback = p.hasTimestamp() ? p.getTimestamp() : receivedAt.toEpochMilli();
        Map<Long, Map<String, Object>> rows = new LinkedHashMap<>();
        TreeSet<String> ignored = new TreeSet<>();
        for (Metric m : p.getMetricsList()) {
            String name;
            int type = m.hasDatatype() ? m.getDatatype() : 0;
            if (m.hasName()) {
                name = m.getName();
                type = type != 0 ? type : byName.getOrDefault(name, 0);
            } else if (m.hasAlias() && byAlias.containsKey(m.getAlias())) {
                Known k = byAlias.get(m.getAlias());
                name = k.name();
                type = type != 0 ? type : k.datatype();
            } else {
                throw new UnknownAlias("metric alias " + m.getAlias() + " of " + t.deviceKey() + " was defined by no "
                        + "BIRTH seen since Tidemark connected" + (m.hasAlias() ? "" : " (the metric has neither name "
                        + "nor alias)"));
            }
            if (m.hasIsTransient() && m.getIsTransient()) {
                continue;
            }
            String column = Sparkplug.column(name);
            Object v = Sparkplug.value(m, type);
            if (archive.column(column).isEmpty() || v == Sparkplug.UNSUPPORTED) {
                ignored.add(name);
                continue;
            }
            long ts = m.hasTimestamp() ? m.getTimestamp() : fallback;
            rows.computeIfAbsent(ts, k -> new HashMap<>()).put(column, v);
        }
        List<Sample> out = new ArrayList<>(rows.size());
        rows.forEach((ts, values) -> out.add(new Sample(rtId, Instant.ofEpochMilli(ts), values)));
        return new Decoded(out, List.copyOf(ignored));
    }
}
