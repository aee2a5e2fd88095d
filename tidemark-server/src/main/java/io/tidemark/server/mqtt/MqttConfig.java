package io.tidemark.server.mqtt;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * MQTT ingest ({@code mqtt.*} keys; docs/ingest.md, MQTT): the broker {@code serve} subscribes to as a client, the
 * Tidemark token whose tenant and role the samples are written with, the bounds of every wait, and the
 * subscriptions. Off unless {@link #broker} is set. Immutable.
 *
 * @param broker {@code tcp://host:1883} (also {@code mqtt://}) or {@code ssl://host:8883} (also {@code mqtts://},
 *     {@code tls://}) for TLS; null when MQTT ingest is off
 * @param version 3 (MQTT 3.1.1) or 5
 * @param clientId the MQTT client identifier; the broker keeps the session (and the messages not yet acknowledged)
 *     under it, so it must be stable and unique per server
 * @param token the secret of the Tidemark token samples are written with (writer or admin); its tenant is the tenant
 * @param tlsCa PEM file of the certificates to trust for TLS; null: the JVM's trust store
 * @param sessionExpiry how long the broker keeps the session while Tidemark is away (MQTT 5; 3.1.1 sessions are kept
 *     until the broker drops them)
 * @param reconnectMinBackoff the first pause after a lost connection or an unavailable store; it doubles per
 *     failure up to {@code reconnectMaxBackoff}
 * @param maxInflight messages received and not yet acknowledged, at most (the MQTT 5 receive maximum and the size
 *     of the queue in front of the writer)
 * @param batchMaxMessages messages written in one store transaction per archive, at most
 * @param batchMaxSamples samples written in one store transaction, at most (a message is never split)
 * @param batchMaxDelay how long the first message of a batch waits for more before the batch is written
 */
public record MqttConfig(String broker, int version, String clientId, String username, String password, String token,
        Path tlsCa, Duration sessionExpiry, Duration keepAlive, Duration connectTimeout, Duration subscribeTimeout,
        Duration reconnectMinBackoff, Duration reconnectMaxBackoff, int maxInflight, int batchMaxMessages,
        int batchMaxSamples, Duration batchMaxDelay, List<Subscription> subscriptions) {

    /** Off: no broker, no subscriptions. */
    public static final MqttConfig DEFAULT = builder().build();
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    /** The fields of {@code mqtt.subscription.<name>.<field>}. */
    public static final List<String> SUBSCRIPTION_FIELDS = List.of("topic", "archive", "rt-id", "format", "qos",
            "rebirth");

    /** What a subscription's payloads are. */
    public enum Format {
        /** One sample object or an array of them, in the NDJSON sample shape. */
        JSON,
        /** Sparkplug B: {@code spBv1.0/<group>/<NBIRTH|NDATA|DBIRTH|DDATA|…>/<edge node>[/<device>]}, protobuf. */
        SPARKPLUG;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One {@code mqtt.subscription.<name>.*} group.
     *
     * @param topic the topic with variables ({@code plant/{site}/{device}/data}); for Sparkplug an MQTT filter under
     *     {@code spBv1.0/} (default {@code spBv1.0/#}) whose variables are always {@code group}, {@code node} and
     *     {@code device}
     * @param archive the archive, possibly with variables ({@code boiler}, {@code {site}})
     * @param rtId the rtId with variables ({@code {site}.{device}}); null: JSON samples carry their own rtId,
     *     Sparkplug uses {@code <group>/<node>[/<device>]}
     * @param qos 0 or 1 (QoS 2 is served as 1 by the broker's downgrade)
     * @param rebirth Sparkplug: whether DATA from an edge node whose BIRTH was not seen requests a rebirth (NCMD
     *     {@code Node Control/Rebirth})
     */
    public record Subscription(String name, String topic, String archive, String rtId, Format format, int qos,
            boolean rebirth) {
        public Subscription {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(format, "format");
        }

        /** The MQTT filter subscribed to. */
        public String filter() {
            return TopicTemplate.parse(topic).filter();
        }
    }

    public MqttConfig {
        subscriptions = List.copyOf(subscriptions);
        if (broker == null) {
            if (!subscriptions.isEmpty()) {
                throw invalid("mqtt.broker", "subscriptions are configured (mqtt.subscription." + subscriptions.get(0)
                        .name() + ".*) but no broker; set mqtt.broker, e.g. tcp://127.0.0.1:1883");
            }
        } else {
            endpoint(broker);
            if (token == null || token.isBlank()) {
                throw invalid("mqtt.token", "MQTT ingest writes with a Tidemark token: set mqtt.token to a writer "
                        + "token's secret (./tidemark token create --role writer)");
            }
            if (subscriptions.isEmpty()) {
                throw invalid("mqtt.subscription", "mqtt.broker is set but no subscription is; add e.g. "
                        + "mqtt.subscription.plant.topic and mqtt.subscription.plant.archive");
            }
        }
        if (version != 3 && version != 5) {
            throw invalid("mqtt.version", "must be 3 (MQTT 3.1.1) or 5, got " + version);
        }
        if ((username == null) != (password == null) && password != null) {
            throw invalid("mqtt.password", "a password needs mqtt.username");
        }
        if (clientId == null || clientId.isEmpty() || clientId.length() > 128) {
            throw invalid("mqtt.client-id", "must be 1..128 characters, got '" + clientId + "'");
        }
        positive("mqtt.session-expiry", sessionExpiry);
        if (sessionExpiry.toSeconds() > 0xFFFF_FFFEL) {
            throw invalid("mqtt.session-expiry", "at most 4294967294 seconds (MQTT 5), got " + sessionExpiry);
        }
        positive("mqtt.keep-alive", keepAlive);
        if (keepAlive.toSeconds() < 1 || keepAlive.toSeconds() > 65_535) {
            throw invalid("mqtt.keep-alive", "must be 1..65535 seconds, got " + keepAlive);
        }
        positive("mqtt.connect-timeout", connectTimeout);
        positive("mqtt.subscribe-timeout", subscribeTimeout);
        positive("mqtt.reconnect.min-backoff", reconnectMinBackoff);
        positive("mqtt.reconnect.max-backoff", reconnectMaxBackoff);
        if (reconnectMaxBackoff.compareTo(reconnectMinBackoff) < 0) {
            throw invalid("mqtt.reconnect.max-backoff", "must not be below mqtt.reconnect.min-backoff ("
                    + reconnectMinBackoff + "), got " + reconnectMaxBackoff);
        }
        range("mqtt.max-inflight", maxInflight, 1, 65_535);
        range("mqtt.batch.max-messages", batchMaxMessages, 1, 1_000_000);
        range("mqtt.batch.max-samples", batchMaxSamples, 1, 10_000_000);
        if (batchMaxDelay == null || batchMaxDelay.isNegative()) {
            throw invalid("mqtt.batch.max-delay", "must be zero or positive, got " + batchMaxDelay);
        }
        Set<String> filters = new HashSet<>();
        for (Subscription s : subscriptions) {
            check(s);
            if (!filters.add(s.filter())) {
                throw invalid("mqtt.subscription." + s.name() + ".topic", "the filter " + s.filter() + " is "
                        + "subscribed twice; give each subscription its own topic");
            }
        }
    }

    /** Whether MQTT ingest runs. */
    public boolean enabled() {
        return broker != null;
    }

    /** The broker's host, port and whether it takes TLS, from {@link #broker}. */
    public record Endpoint(String host, int port, boolean tls) {}

    /** @throws TidemarkException {@code INVALID_ARGUMENT} for a URI that is not one of the documented forms */
    public static Endpoint endpoint(String broker) {
        URI u;
        try {
            u = URI.create(broker.trim());
        } catch (IllegalArgumentException e) {
            throw invalid("mqtt.broker", "'" + broker + "' is not a URI such as tcp://127.0.0.1:1883");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        boolean tls = switch (scheme) {
            case "tcp", "mqtt" -> false;
            case "ssl", "mqtts", "tls" -> true;
            default -> throw invalid("mqtt.broker", "'" + broker + "': the scheme is tcp:// (or mqtt://) or ssl:// "
                    + "(or mqtts://) for TLS");
        };
        if (u.getHost() == null) {
            throw invalid("mqtt.broker", "'" + broker + "' names no host, e.g. tcp://127.0.0.1:1883");
        }
        return new Endpoint(u.getHost(), u.getPort() > 0 ? u.getPort() : tls ? 8883 : 1883, tls);
    }

    private static void check(Subscription s) {
        String key = "mqtt.subscription." + s.name();
        if (!NAME.matcher(s.name()).matches()) {
            throw invalid(key, "a subscription's name is [a-z][a-z0-9_]{0,62}, got '" + s.name() + "'");
        }
        if (s.archive() == null) {
            throw invalid(key + ".archive", "required: the archive the samples go to, e.g. boiler or {site}");
        }
        if (s.qos() < 0 || s.qos() > 1) {
            throw invalid(key + ".qos", "0 or 1, got " + s.qos());
        }
        TopicTemplate topic;
        try {
            topic = TopicTemplate.parse(s.topic());
        } catch (IllegalArgumentException e) {
            throw invalid(key + ".topic", e.getMessage());
        }
        List<String> known = topic.variables();
        if (s.format() == Format.SPARKPLUG) {
            if (!known.isEmpty()) {
                throw invalid(key + ".topic", "a Sparkplug topic is a plain filter such as spBv1.0/# or "
                        + "spBv1.0/plant1/#; its variables are always {group}, {node} and {device}");
            }
            if (!s.topic().startsWith(Sparkplug.NAMESPACE + "/") && !s.topic().equals("#")) {
                throw invalid(key + ".topic", "a Sparkplug B topic starts with " + Sparkplug.NAMESPACE + "/, got '"
                        + s.topic() + "'");
            }
            known = Sparkplug.VARIABLES;
        }
        variablesKnown(key + ".archive", s.archive(), known);
        if (s.rtId() != null) {
            variablesKnown(key + ".rt-id", s.rtId(), known);
        }
    }

    private static void variablesKnown(String key, String template, List<String> known) {
        NameTemplate t;
        try {
            t = NameTemplate.parse(key, template);
        } catch (IllegalArgumentException e) {
            throw invalid(key, e.getMessage());
        }
        for (String v : t.variables()) {
            if (!known.contains(v)) {
                throw invalid(key, "{" + v + "} is not a variable of the topic; known: " + known);
            }
        }
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw invalid(key, "must be positive, got " + d);
        }
    }

    private static void range(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw invalid(key, "must be " + min + ".." + max + ", got " + v);
        }
    }

    static TidemarkException invalid(String key, String why) {
        return new TidemarkException(ErrorCode.INVALID_ARGUMENT, "configuration '" + key + "': " + why);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.broker = broker;
        b.version = version;
        b.clientId = clientId;
        b.username = username;
        b.password = password;
        b.token = token;
        b.tlsCa = tlsCa;
        b.sessionExpiry = sessionExpiry;
        b.keepAlive = keepAlive;
        b.connectTimeout = connectTimeout;
        b.subscribeTimeout = subscribeTimeout;
        b.reconnectMinBackoff = reconnectMinBackoff;
        b.reconnectMaxBackoff = reconnectMaxBackoff;
        b.maxInflight = maxInflight;
        b.batchMaxMessages = batchMaxMessages;
        b.batchMaxSamples = batchMaxSamples;
        b.batchMaxDelay = batchMaxDelay;
        for (Subscription s : subscriptions) {
            b.subscription(s.name()).from(s);
        }
        return b;
    }

    /** Builds an {@link MqttConfig}; starts at the documented defaults. Not thread-safe. */
    public static final class Builder {
        private String broker;
        private int version = 5;
        private String clientId = "tidemark";
        private String username;
        private String password;
        private String token;
        private Path tlsCa;
        private Duration sessionExpiry = Duration.ofDays(1);
        private Duration keepAlive = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration subscribeTimeout = Duration.ofSeconds(10);
        private Duration reconnectMinBackoff = Duration.ofMillis(100);
        private Duration reconnectMaxBackoff = Duration.ofSeconds(30);
        private int maxInflight = 1000;
        private int batchMaxMessages = 1000;
        private int batchMaxSamples = 50_000;
        private Duration batchMaxDelay = Duration.ofMillis(5);
        private final Map<String, SubscriptionBuilder> subscriptions = new LinkedHashMap<>();

        private Builder() {}

        public Builder broker(String v) {
            broker = v == null || v.isBlank() ? null : v.trim();
            return this;
        }

        public Builder version(int v) {
            version = v;
            return this;
        }

        public Builder clientId(String v) {
            clientId = v;
            return this;
        }

        public Builder username(String v) {
            username = v;
            return this;
        }

        public Builder password(String v) {
            password = v;
            return this;
        }

        public Builder token(String v) {
            token = v;
            return this;
        }

        public Builder tlsCa(Path v) {
            tlsCa = v;
            return this;
        }

        public Builder sessionExpiry(Duration v) {
            sessionExpiry = v;
            return this;
        }

        public Builder keepAlive(Duration v) {
            keepAlive = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        public Builder subscribeTimeout(Duration v) {
            subscribeTimeout = v;
            return this;
        }

        public Builder reconnectMinBackoff(Duration v) {
            reconnectMinBackoff = v;
            return this;
        }

        public Builder reconnectMaxBackoff(Duration v) {
            reconnectMaxBackoff = v;
            return this;
        }

        public Builder maxInflight(int v) {
            maxInflight = v;
            return this;
        }

        public Builder batchMaxMessages(int v) {
            batchMaxMessages = v;
            return this;
        }

        public Builder batchMaxSamples(int v) {
            batchMaxSamples = v;
            return this;
        }

        public Builder batchMaxDelay(Duration v) {
            batchMaxDelay = v;
            return this;
        }

        /** The subscription called {@code name}, created on first use. */
        public SubscriptionBuilder subscription(String name) {
            return subscriptions.computeIfAbsent(name, SubscriptionBuilder::new);
        }

        /**
         * Sets one field of {@code mqtt.subscription.<name>.<field>} from its configuration text.
         *
         * @throws TidemarkException {@code INVALID_ARGUMENT} for an unknown field or a bad value
         */
        public Builder subscriptionField(String name, String field, String value) {
            SubscriptionBuilder s = subscription(name);
            String key = "mqtt.subscription." + name + "." + field;
            switch (field) {
                case "topic" -> s.topic(value);
                case "archive" -> s.archive(value);
                case "rt-id" -> s.rtId(value);
                case "format" -> s.format(format(key, value));
                case "qos" -> s.qos(switch (value.trim()) {
                    case "0" -> 0;
                    case "1" -> 1;
                    default -> throw invalid(key, "0 or 1, got '" + value + "'");
                });
                case "rebirth" -> {
                    if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                        throw invalid(key, "expected true or false, got '" + value + "'");
                    }
                    s.rebirth(Boolean.parseBoolean(value));
                }
                default -> throw invalid(key, "unknown field '" + field + "'; a subscription has "
                        + SUBSCRIPTION_FIELDS);
            }
            return this;
        }

        private static Format format(String key, String v) {
            return switch (v.trim().toLowerCase(Locale.ROOT)) {
                case "json" -> Format.JSON;
                case "sparkplug", "sparkplug_b", "spbv1.0" -> Format.SPARKPLUG;
                default -> throw invalid(key, "json or sparkplug, got '" + v + "'");
            };
        }

        public MqttConfig build() {
            List<Subscription> subs = new ArrayList<>();
            subscriptions.values().forEach(s -> subs.add(s.build()));
            return new MqttConfig(broker, version, clientId, username, password, token, tlsCa, sessionExpiry,
                    keepAlive, connectTimeout, subscribeTimeout, reconnectMinBackoff, reconnectMaxBackoff,
                    maxInflight, batchMaxMessages, batchMaxSamples, batchMaxDelay, subs);
        }
    }

    /** One subscription's settings; format {@code json}, QoS 1 and rebirth on unless set. */
    public static final class SubscriptionBuilder {
        private final String name;
        private String topic;
        private String archive;
        private String rtId;
        private Format format = Format.JSON;
        private int qos = 1;
        private boolean rebirth = true;

        private SubscriptionBuilder(String name) {
            this.name = name;
        }

        public SubscriptionBuilder topic(String v) {
            topic = v;
            return this;
        }

        public SubscriptionBuilder archive(String v) {
            archive = v;
            return this;
        }

        public SubscriptionBuilder rtId(String v) {
            rtId = v == null || v.isEmpty() ? null : v;
            return this;
        }

        public SubscriptionBuilder format(Format v) {
            format = v;
            return this;
        }

        public SubscriptionBuilder qos(int v) {
            qos = v;
            return this;
        }

        public SubscriptionBuilder rebirth(boolean v) {
            rebirth = v;
            return this;
        }

        private void from(Subscription s) {
            topic = s.topic();
            archive = s.archive();
            rtId = s.rtId();
            format = s.format();
            qos = s.qos();
            rebirth = s.rebirth();
        }

        private Subscription build() {
            String t = topic != null ? topic : format == Format.SPARKPLUG ? Sparkplug.NAMESPACE + "/#" : null;
            if (t == null) {
                throw invalid("mqtt.subscription." + name + ".topic", "required: the topic to subscribe to, e.g. "
                        + "plant/{site}/{device}/data");
            }
            return new Subscription(name, t, archive, rtId, format, qos, rebirth);
        }
    }
}
