package io.tidemark.server.mqtt;

import java.time.Instant;
import java.util.List;

/**
 * Where MQTT ingest stands, as the GraphQL field {@code mqtt} shows it. Counters count since the server started; a
 * message the broker redelivers (after a lost connection or an unavailable store) counts again.
 *
 * @param connected whether the link to the broker is up and subscribed
 * @param broker {@code mqtt.broker}
 * @param lagSeconds now minus the receive time of the oldest message received and not yet acknowledged; 0 when none
 *     waits
 * @param reconnects connections lost or refused, and stops for an unavailable store, since the start
 * @param lastError the last reason the link went down, or null
 */
public record MqttStatus(boolean connected, String broker, String clientId, int version, double lagSeconds,
        long reconnects, String lastError, Instant lastErrorAt, List<Subscription> subscriptions) {

    /**
     * One subscription's counters.
     *
     * @param messages messages taken from the broker for it and acknowledged (written or refused)
     * @param samples samples written from them
     * @param ignoredMetrics Sparkplug metrics left out because the archive has no column for them (or of a type
     *     Tidemark does not store)
     * @param lastMessageAt when its last acknowledged message was received, or null
     */
    public record Subscription(String name, String topic, String filter, String format, String archive,
            long messages, long samples, List<Rejected> rejected, long ignoredMetrics, Instant lastMessageAt) {}

    /** Messages refused for one reason ({@link MqttRejection#tag()}). */
    public record Rejected(String reason, long count) {}
}
