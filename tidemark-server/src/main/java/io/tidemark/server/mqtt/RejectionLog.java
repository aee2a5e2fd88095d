package io.tidemark.server.mqtt;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused MQTT messages with their topic and reason — at most {@value #PER_WINDOW} lines per minute, then one line
 * saying how many were not logged (the counters have them all) — and each Sparkplug metric left out once per
 * subscription. Used by the MQTT writer thread only.
 */
final class RejectionLog {
    private static final Logger LOG = LoggerFactory.getLogger(MqttIngest.class);
    static final int PER_WINDOW = 20;
    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final int MAX_IGNORED_NAMES = 10_000;
    private final Clock clock;
    private final Set<String> ignoredSeen = new HashSet<>();
    private Instant windowStart = Instant.MIN;
    private int logged;
    private long suppressed;

    RejectionLog(Clock clock) {
        this.clock = clock;
    }

    void refused(String subscription, String topic, MqttRejection reason, String detail) {
        Instant now = clock.instant();
        if (now.isAfter(windowStart.plus(WINDOW)) || windowStart == Instant.MIN) {
            if (suppressed > 0) {
                LOG.atWarn().addKeyValue("suppressed", suppressed).log("more MQTT messages were refused than logged; "
                        + "see tidemark_mqtt_rejected_total");
            }
            windowStart = now;
            logged = 0;
            suppressed = 0;
        }
        if (logged >= PER_WINDOW) {
            suppressed++;
            return;
        }
        logged++;
        LOG.atWarn().addKeyValue("subscription", subscription).addKeyValue("topic", topic)
                .addKeyValue("reason", reason.tag()).addKeyValue("detail", detail)
                .log("MQTT message refused (acknowledged, not stored)");
    }

    void ignored(String subscription, List<String> metrics) {
        for (String m : metrics) {
            if (ignoredSeen.size() < MAX_IGNORED_NAMES && ignoredSeen.add(subscription + "\u0000" + m)) {
                LOG.atInfo().addKeyValue("subscription", subscription).addKeyValue("metric", m)
                        .addKeyValue("column", Sparkplug.column(m))
                        .log("Sparkplug metric not stored: the archive has no such column (or its type is not stored); "
                                + "logged once");
            }
        }
    }
}
