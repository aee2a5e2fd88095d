package io.tidemark.cluster;

import io.tidemark.store.LogRejectReason;
import io.tidemark.store.LogWriterStore;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a writer's partitions share: settings, the store, definitions, the clock, counters, the listener. */
final class WriterContext {
    private static final Logger LOG = LoggerFactory.getLogger(WriterContext.class);

    /** The writer's counters; written on the writer's thread only, published as a {@link LogWriterStatus}. */
    static final class Counters {
        long records;
        long samples;
        final Map<LogRejectReason, Long> rejected = new EnumMap<>(LogRejectReason.class);
        long skipped;
        long moved;
        long cuts;
    }

    private final LogWriterSettings settings;
    private final String topic;
    private final LogWriterStore store;
    private final Definitions definitions;
    private final Clock clock;
    private final LogWriterListener listener;
    private final Counters counters = new Counters();

    WriterContext(LogWriterSettings settings, String topic, LogWriterStore store, Definitions definitions, Clock clock,
            LogWriterListener listener) {
        this.settings = settings;
        this.topic = topic;
        this.store = store;
        this.definitions = definitions;
        this.clock = clock;
        this.listener = listener;
    }

    LogWriterSettings settings() {
        return settings;
    }

    String topic() {
        return topic;
    }

    LogWriterStore store() {
        return store;
    }

    Definitions definitions() {
        return definitions;
    }

    Clock clock() {
        return clock;
    }

    Counters counters() {
        return counters;
    }

    /** Calls the listener; what it throws is logged, never the writer's problem. */
    void listen(Consumer<LogWriterListener> call) {
        try {
            call.accept(listener);
        } catch (RuntimeException e) {
            LOG.warn("a log writer listener failed; ignored", e);
        }
    }
}
