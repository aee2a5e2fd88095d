package io.tidemark.server.mqtt;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.Operations;
import io.tidemark.server.auth.Caller;
import io.tidemark.server.ingest.BodyError;
import io.tidemark.server.ingest.JsonSamples;
import io.tidemark.server.ingest.MalformedBodyException;
import io.tidemark.server.mqtt.BrokerLink.Received;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;

/**
 * Turns a batch of MQTT messages into stored samples: each message is mapped to its subscription and archive (the
 * caller's role and the archive checked before its payload is read), read and validated <b>alone</b> — a bad message
 * is refused alone — and the valid ones are written together, one transaction per archive, through
 * {@link Operations#ingest}. If such a write is refused, each of its messages is written alone, so a message that
 * became invalid meanwhile (its archive disabled, say) is refused without its neighbours. Any other failure (the
 * store unavailable) is thrown as {@link StoreDown} with nothing counted, and the caller must not acknowledge the
 * batch. Runs on the MQTT writer thread only.
 */
final class MessageWriter {
    /** Errors that are about one message and will never change by retrying it as it is. */
    private static final Set<ErrorCode> REFUSALS = Set.of(ErrorCode.INVALID_BATCH, ErrorCode.NOT_FOUND,
            ErrorCode.INVALID_STATE, ErrorCode.INVALID_NAME, ErrorCode.RESERVED_NAME, ErrorCode.TOO_LARGE,
            ErrorCode.UNKNOWN_COLUMN, ErrorCode.INVALID_ARGUMENT);

    /** A subscription with its compiled templates. */
    record Route(SubscriptionStats stats, TopicTemplate topic, NameTemplate archive, NameTemplate rtId) {
        MqttConfig.Subscription subscription() {
            return stats.subscription();
        }
    }

    /** The store (or something else not about the messages) failed: acknowledge nothing, reconnect later. */
    static final class StoreDown extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StoreDown(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** One message's result; exactly one of {@code samples} and {@code reason} is set. */
    private record Parsed(Received message, Route route, Operations.WritableArchive target, List<Sample> samples,
            int ignored, MqttRejection reason, String detail) {
        static Parsed refused(Received m, Route r, MqttRejection reason, String detail) {
            return new Parsed(m, r, null, null, 0, reason, detail);
        }
    }

    /** What {@link #write} did, for the caller's log and the reconnect backoff. */
    record Written(int messages, int samples, int rejected) {}

    private final List<Route> routes;
    private final Operations ops;
    private final Caller caller;
    private final int maxRows;
    private final long maxBytes;
    private final int maxBatchSamples;
    private final SparkplugAliases aliases = new SparkplugAliases();
    private final BiConsumer<Route, Sparkplug.Topic> rebirth;
    private final RejectionLog log;

    /**
     * @param maxBatchSamples the most samples written in one transaction ({@code mqtt.batch.max-samples}); a
     *     message is never split
     * @param rebirth asked to request a rebirth of the edge node whose DATA named an unknown alias
     */
    MessageWriter(List<Route> routes, Operations ops, Caller caller, int maxBatchSamples,
            BiConsumer<Route, Sparkplug.Topic> rebirth, RejectionLog log) {
        this.routes = List.copyOf(routes);
        this.maxBatchSamples = maxBatchSamples;
        this.ops = ops;
        this.caller = caller;
        this.maxRows = ops.config().ingestMaxRows();
        this.maxBytes = ops.config().ingestMaxBytes();
        this.rebirth = rebirth;
        this.log = log;
    }

    /**
     * Writes what is valid in {@code batch} and counts every message (written or refused); durable on return.
     *
     * @throws StoreDown when the store (or the archive lookup) failed; nothing was counted, and messages written
     *     before the failure will be written again when the broker redelivers them (the key makes that harmless)
     */
    Written write(List<Received> batch) {
        Map<String, Object> targets = new HashMap<>();
        List<Parsed> parsed = new ArrayList<>(batch.size());
        for (Received m : batch) {
            parsed.add(parse(m, targets));
        }
        Map<String, List<Parsed>> byArchive = new LinkedHashMap<>();
        for (Parsed p : parsed) {
            if (p.reason() == null && !p.samples().isEmpty()) {
                byArchive.computeIfAbsent(p.target().info().name(), a -> new ArrayList<>()).add(p);
            }
        }
        Map<Parsed, Parsed> refusedLate = new HashMap<>();
        for (List<Parsed> group : byArchive.values()) {
            List<Parsed> chunk = new ArrayList<>();
            int n = 0;
            for (Parsed p : group) {
                if (!chunk.isEmpty() && n + p.samples().size() > maxBatchSamples) {
                    writeGroup(chunk, refusedLate);
                    chunk = new ArrayList<>();
                    n = 0;
                }
                chunk.add(p);
                n += p.samples().size();
            }
            writeGroup(chunk, refusedLate);
        }
        int samples = 0;
        int rejected = 0;
        for (Parsed p : parsed) {
            Parsed outcome = refusedLate.getOrDefault(p, p);
            if (outcome.reason() != null) {
                rejected++;
                outcome.route().stats().rejected(outcome.reason(), p.message().receivedAt());
                log.refused(outcome.route().subscription().name(), p.message().topic(), outcome.reason(),
                        outcome.detail());
                continue;
            }
            samples += p.samples().size();
            p.route().stats().written(p.samples().size(), p.message().receivedAt());
            if (p.ignored() > 0) {
                p.route().stats().ignoredMetrics(p.ignored());
            }
        }
        return new Written(batch.size(), samples, rejected);
    }

    private void writeGroup(List<Parsed> group, Map<Parsed, Parsed> refusedLate) {
        Operations.WritableArchive target = group.get(0).target();
        List<Sample> all = new ArrayList<>();
        group.forEach(p -> all.addAll(p.samples()));
        try {
            ops.ingest(target, all, all.size());
            return;
        } catch (TidemarkException e) {
            if (!REFUSALS.contains(e.code())) {
                throw new StoreDown(e);
            }
        } catch (RuntimeException e) {
            throw new StoreDown(e);
        }
        for (Parsed p : group) {
            try {
                ops.ingest(target, p.samples(), p.samples().size());
            } catch (TidemarkException e) {
                if (!REFUSALS.contains(e.code())) {
                    throw new StoreDown(e);
                }
                refusedLate.put(p, Parsed.refused(p.message(), p.route(), reason(e), e.getMessage()));
            } catch (RuntimeException e) {
                throw new StoreDown(e);
            }
        }
    }

    private Parsed parse(Received m, Map<String, Object> targets) {
        Route route = route(m.topic());
        if (route == null) {
            return Parsed.refused(m, routes.get(0), MqttRejection.NO_SUBSCRIPTION, "no subscription's topic "
                    + "matches");
        }
        if (route.subscription().format() == MqttConfig.Format.SPARKPLUG) {
            return sparkplug(m, route, targets);
        }
        Map<String, String> vars = route.topic().match(m.topic());
        Object target = target(route.archive().apply(vars), targets);
        if (target instanceof TidemarkException e) {
            return Parsed.refused(m, route, reason(e), e.getMessage());
        }
        Operations.WritableArchive wa = (Operations.WritableArchive) target;
        if (m.payload().length > maxBytes) {
            return Parsed.refused(m, route, MqttRejection.TOO_LARGE, "the payload has " + m.payload().length
                    + " bytes, more than ingest.max-bytes " + maxBytes);
        }
        List<Sample> samples;
        try {
            samples = JsonSamples.read(wa.info().name(), m.payload(), maxRows);
        } catch (TidemarkException e) {
            return Parsed.refused(m, route, reason(e), detail(e));
        }
        String rtId = route.rtId() == null ? null : route.rtId().apply(vars);
        List<Sample> filled = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            if (rtId != null && s.rtId() != null && !s.rtId().equals(rtId)) {
                return Parsed.refused(m, route, MqttRejection.RT_ID_CONFLICT, "the sample's rtId '" + s.rtId()
                        + "' differs from '" + rtId + "', which the topic gives");
            }
            filled.add(new Sample(rtId != null ? rtId : s.rtId(), s.timestamp() != null ? s.timestamp()
                    : m.receivedAt().truncatedTo(ChronoUnit.MICROS), s.values()));
        }
        return validated(m, route, wa, filled, 0);
    }

    private Parsed sparkplug(Received m, Route route, Map<String, Object> targets) {
        Sparkplug.Topic t = Sparkplug.topic(m.topic());
        if (t == null && Sparkplug.isState(m.topic())) {
            return new Parsed(m, route, null, List.of(), 0, null, null); // a host application's, not samples
        }
        if (t == null) {
            return Parsed.refused(m, route, MqttRejection.NO_SUBSCRIPTION, "not a Sparkplug B topic "
                    + Sparkplug.NAMESPACE + "/<group>/<type>/<edge node>[/<device>]");
        }
        Map<String, String> vars = t.variables();
        Object target = target(route.archive().apply(vars), targets);
        if (target instanceof TidemarkException e) {
            return Parsed.refused(m, route, reason(e), e.getMessage());
        }
        Operations.WritableArchive wa = (Operations.WritableArchive) target;
        Payload payload;
        try {
            payload = Payload.parseFrom(m.payload());
        } catch (InvalidProtocolBufferException e) {
            return Parsed.refused(m, route, MqttRejection.MALFORMED, "not a Sparkplug B payload: " + e.getMessage());
        }
        String rtId = route.rtId() == null ? t.defaultRtId() : route.rtId().apply(vars);
        SparkplugAliases.Decoded d;
        try {
            d = aliases.apply(t, payload, wa.info().definition(), rtId, m.receivedAt());
        } catch (SparkplugAliases.UnknownAlias e) {
            if (route.subscription().rebirth()) {
                rebirth.accept(route, t);
            }
            return Parsed.refused(m, route, MqttRejection.UNKNOWN_ALIAS, e.getMessage());
        }
        if (d == null) {
            return new Parsed(m, route, wa, List.of(), 0, null, null);
        }
        if (!d.ignored().isEmpty()) {
            log.ignored(route.subscription().name(), d.ignored());
        }
        if (d.samples().size() > maxRows) {
            return Parsed.refused(m, route, MqttRejection.TOO_LARGE, d.samples().size() + " samples, more than "
                    + "ingest.max-rows " + maxRows);
        }
        return validated(m, route, wa, d.samples(), d.ignored().size());
    }

    private Parsed validated(Received m, Route route, Operations.WritableArchive wa, List<Sample> samples,
            int ignored) {
        try {
            SampleBatch.validate(wa.info().definition(), samples, Operations.batchLimits(maxRows));
        } catch (TidemarkException e) {
            return Parsed.refused(m, route, reason(e), detail(e));
        }
        return new Parsed(m, route, wa, samples, ignored, null, null);
    }

    /** The archive as {@link Operations#writableArchive} finds it, or its refusal; once per batch and archive. */
    private Object target(String archive, Map<String, Object> targets) {
        Object known = targets.get(archive);
        if (known != null) {
            return known;
        }
        Object out;
        try {
            out = ops.writableArchive(caller, archive);
        } catch (TidemarkException e) {
            if (!REFUSALS.contains(e.code())) {
                throw new StoreDown(e);
            }
            out = e;
        } catch (RuntimeException e) {
            throw new StoreDown(e);
        }
        targets.put(archive, out);
        return out;
    }

    private Route route(String topic) {
        for (Route r : routes) {
            if (r.topic().match(topic) != null) {
                return r;
            }
        }
        return null;
    }

    static MqttRejection reason(TidemarkException e) {
        if (e instanceof MalformedBodyException m) {
            if (m.valuesRefused()) {
                return MqttRejection.INVALID_VALUES;
            }
            return m.errors().size() == 1 && m.errors().get(0).reason().startsWith("the body holds no samples")
                    ? MqttRejection.EMPTY : MqttRejection.MALFORMED;
        }
        if (e instanceof BatchRejectedException) {
            return MqttRejection.INVALID_VALUES;
        }
        return switch (e.code()) {
            case NOT_FOUND, INVALID_NAME, RESERVED_NAME -> MqttRejection.UNKNOWN_ARCHIVE;
            case INVALID_STATE -> MqttRejection.ARCHIVE_STATE;
            case TOO_LARGE -> MqttRejection.TOO_LARGE;
            default -> MqttRejection.INVALID_VALUES;
        };
    }

    /** The message and the first bad samples, on one line. */
    private static String detail(TidemarkException e) {
        StringBuilder out = new StringBuilder(e.getMessage());
        if (e instanceof MalformedBodyException m) {
            for (BodyError b : m.errors()) {
                out.append("; sample ").append(b.row()).append(b.column() == null ? "" : " " + b.column())
                        .append(": ").append(b.reason());
            }
        } else if (e instanceof BatchRejectedException b) {
            for (BatchRejectedException.RowError r : b.errors()) {
                out.append("; sample ").append(r.row()).append(r.column() == null ? "" : " " + r.column())
                        .append(": ").append(r.reason());
            }
        }
        return out.toString();
    }
}
