package io.tidemark.server.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * One subscription's counters, kept for the GraphQL status and as Micrometer meters ({@code tidemark.mqtt.messages},
 * {@code .samples}, {@code .rejected}, {@code .metrics.ignored}, tagged with the subscription). Written by the MQTT
 * writer thread, read by any.
 */
final class SubscriptionStats {
    private final MqttConfig.Subscription subscription;
    private final MeterRegistry meters;
    private final LongAdder messages = new LongAdder();
    private final LongAdder samples = new LongAdder();
    private final LongAdder ignored = new LongAdder();
    private final Map<MqttRejection, LongAdder> rejected = new ConcurrentHashMap<>();
    private final Counter messageCounter;
    private final Counter sampleCounter;
    private final Counter ignoredCounter;
    private volatile Instant lastMessageAt;

    SubscriptionStats(MqttConfig.Subscription subscription, MeterRegistry meters) {
        this.subscription = subscription;
        this.meters = meters;
        String name = subscription.name();
        this.messageCounter = meters.counter("tidemark.mqtt.messages", "subscription", name);
        this.sampleCounter = meters.counter("tidemark.mqtt.samples", "subscription", name);
        this.ignoredCounter = meters.counter("tidemark.mqtt.metrics.ignored", "subscription", name);
    }

    MqttConfig.Subscription subscription() {
        return subscription;
    }

    void written(int n, Instant receivedAt) {
        messages.increment();
        messageCounter.increment();
        samples.add(n);
        sampleCounter.increment(n);
        lastMessageAt = receivedAt;
    }

    void rejected(MqttRejection reason, Instant receivedAt) {
        messages.increment();
        messageCounter.increment();
        rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
        meters.counter("tidemark.mqtt.rejected", "subscription", subscription.name(), "reason", reason.tag())
                .increment();
        lastMessageAt = receivedAt;
    }

    void ignoredMetrics(int n) {
        ignored.add(n);
        ignoredCounter.increment(n);
    }

    MqttStatus.Subscription status() {
        List<MqttStatus.Rejected> r = new ArrayList<>();
        for (MqttRejection reason : MqttRejection.values()) {
            LongAdder n = rejected.get(reason);
            if (n != null) {
                r.add(new MqttStatus.Rejected(reason.tag(), n.sum()));
            }
        }
        return new MqttStatus.Subscription(subscription.name(), subscription.topic(), subscription.filter(),
                subscription.format().label(), subscription.archive(), messages.sum(), samples.sum(), r, ignored.sum(),
                lastMessageAt);
    }
}
