package io.tidemark.server.mqtt;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.Operations;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.auth.Authenticator;
import io.tidemark.server.auth.Caller;
import io.tidemark.server.mqtt.BrokerLink.Received;
import io.tidemark.store.PublicError;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT ingest: {@code serve} as a client of one broker (docs/ingest.md, MQTT). One thread connects with a persistent
 * session, subscribes, takes the messages in batches (up to {@code mqtt.batch.max-messages}, waiting at most
 * {@code mqtt.batch.max-delay} for more), writes them through {@link MessageWriter}, and only then acknowledges them:
 * a QoS 1 message is acknowledged once its samples are durable, or once it was refused (it would never succeed). When
 * the connection is lost or the store is unavailable nothing more is acknowledged; the thread disconnects, waits
 * (from {@code mqtt.reconnect.min-backoff}, doubling up to {@code mqtt.reconnect.max-backoff}) and connects again, and
 * the broker redelivers what was not acknowledged — harmless, since a sample with an existing key replaces it.
 *
 * <p>The tenant and role are those of {@code mqtt.token}, checked by {@link #create} (a reader token or an unknown one
 * fails the server's start) and again every {@code auth.revalidate-interval} (a revoked token stops the ingest until
 * it is valid again). Metrics {@code tidemark.mqtt.*}; status {@link #status()}. Thread-safe; {@link #close} is
 * idempotent.
 */
public final class MqttIngest implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MqttIngest.class);
    /** An edge node is asked for a rebirth at most this often. */
    static final Duration REBIRTH_SPACING = Duration.ofSeconds(10);
    /** Put in the inbox to wake the writer: the link was lost, or the ingest is closing. */
    private static final Received WAKE = new Received("", new byte[0], 0, null, () -> { });

    private final MqttConfig config;
    private final Authenticator auth;
    private final Caller caller;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Duration revalidate;
    private final Duration stopTimeout;
    private final List<SubscriptionStats> stats = new ArrayList<>();
    private final MessageWriter writer;
    private final BlockingQueue<Received> inbox = new LinkedBlockingQueue<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Map<String, Instant> rebirthAsked = new HashMap<>();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile boolean closing;
    private volatile boolean connected;
    private volatile BrokerLink link;
    private volatile long generation;
    private volatile Throwable lostCause;
    private volatile Instant pendingSince;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private Thread thread;

    private MqttIngest(ServerConfig server, Operations ops, Authenticator auth, Caller caller, MeterRegistry meters,
            Clock clock) {
        this.config = server.mqtt();
        this.auth = auth;
        this.caller = caller;
        this.meters = meters;
        this.clock = clock;
        this.revalidate = server.auth().revalidateInterval();
        this.stopTimeout = server.shutdownTimeout();
        List<MessageWriter.Route> routes = new ArrayList<>();
        for (MqttConfig.Subscription s : config.subscriptions()) {
            SubscriptionStats st = new SubscriptionStats(s, meters);
            stats.add(st);
            routes.add(new MessageWriter.Route(st, TopicTemplate.parse(s.topic()),
                    NameTemplate.parse("archive", s.archive()),
                    s.rtId() == null ? null : NameTemplate.parse("rt-id", s.rtId())));
        }
        this.writer = new MessageWriter(routes, ops, caller, config.batchMaxSamples(), this::rebirth,
                new RejectionLog(clock));
        Gauge.builder("tidemark.mqtt.connected", this, m -> m.connected ? 1 : 0)
                .description("1 while the MQTT link is up and subscribed").register(meters);
        Gauge.builder("tidemark.mqtt.lag", this, MqttIngest::lagSeconds).baseUnit("seconds")
                .description("now minus the receive time of the oldest MQTT message not yet acknowledged")
                .register(meters);
    }

    /**
     * Checks {@code mqtt.token} against the store; the ingest does not run until {@link #start}.
     *
     * @throws TidemarkException {@code UNAUTHENTICATED} for an unknown or revoked token, {@code FORBIDDEN} for a
     *     reader token — either fails the server's start, saying which key to fix
     */
    public static MqttIngest create(ServerConfig server, Operations ops, Authenticator auth, MeterRegistry meters,
            Clock clock) {
        Caller c;
        try {
            c = Authenticator.caller(auth.secret(server.mqtt().token().trim()));
        } catch (TidemarkException e) {
            if (e.code() != ErrorCode.UNAUTHENTICATED) {
                throw e;
            }
            throw new TidemarkException(ErrorCode.UNAUTHENTICATED, "configuration 'mqtt.token': not a valid Tidemark "
                    + "token (unknown or revoked); create one with ./tidemark token create --role writer");
        }
        if (!c.role().includes(Role.WRITER)) {
            throw new TidemarkException(ErrorCode.FORBIDDEN, "configuration 'mqtt.token': a " + c.role().label()
                    + " token may not ingest samples; MQTT ingest needs a writer or admin token (./tidemark token "
                    + "create --role writer)");
        }
        return new MqttIngest(server, ops, auth, c, meters, clock);
    }

    /** Starts the thread that connects, consumes and reconnects. */
    public synchronized void start() {
        if (thread != null || closing) {
            return;
        }
        thread = new Thread(this::run, "tidemark-mqtt");
        thread.setDaemon(true);
        thread.start();
        LOG.atInfo().addKeyValue("broker", config.broker()).addKeyValue("tenant", caller.tenant().value())
                .addKeyValue("subscriptions", config.subscriptions().size()).log("MQTT ingest starting");
    }

    /** The tenant the samples are written to (that of {@code mqtt.token}). */
    public TenantId tenant() {
        return caller.tenant();
    }

    /** Whether the link is up and subscribed. */
    public boolean connected() {
        return connected;
    }

    public MqttStatus status() {
        List<MqttStatus.Subscription> subs = new ArrayList<>();
        stats.forEach(s -> subs.add(s.status()));
        return new MqttStatus(connected, config.broker(), config.clientId(), config.version(), lagSeconds(),
                reconnects.get(), lastError, lastErrorAt, subs);
    }

    private double lagSeconds() {
        Instant p = pendingSince;
        if (p == null) {
            Received head = inbox.peek();
            p = head == null ? null : head.receivedAt();
        }
        return p == null ? 0 : Math.max(0, Duration.between(p, clock.instant()).toNanos() / 1e9);
    }

    private void run() {
        Duration backoff = config.reconnectMinBackoff();
        while (!closing) {
            String cause = null;
            Throwable error = null;
            boolean[] healthy = {false};
            BrokerLink l = null;
            try {
                l = connect();
                consume(l, healthy);
            } catch (MessageWriter.StoreDown e) {
                cause = "store_unavailable";
                error = e.getCause();
            } catch (LinkLost e) {
                cause = "connection_lost";
                error = e.getCause();
            } catch (TidemarkException e) {
                cause = e.code() == ErrorCode.UNAUTHENTICATED ? "token_invalid" : "connect_failed";
                error = e;
            } catch (RuntimeException e) {
                cause = "error";
                error = e; // logged with its stack trace by failed()
            } finally {
                connected = false;
                link = null;
                generation++;
                if (l != null) {
                    l.close();
                }
                inbox.clear();
                pendingSince = null;
            }
            if (cause == null || closing) {
                continue;
            }
            backoff = healthy[0] ? config.reconnectMinBackoff() : backoff;
            failed(cause, error, backoff);
            pause(backoff);
            backoff = backoff.multipliedBy(2).compareTo(config.reconnectMaxBackoff()) > 0
                    ? config.reconnectMaxBackoff() : backoff.multipliedBy(2);
        }
        LOG.info("MQTT ingest stopped");
    }

    private BrokerLink connect() {
        checkToken();
        long gen = generation;
        lostCause = null;
        BrokerLink.Opened o = BrokerLink.open(config, clock, m -> {
            if (generation == gen) {
                inbox.offer(m);
            }
        }, cause -> {
            if (generation == gen) {
                lostCause = cause == null ? new IllegalStateException("disconnected") : cause;
                inbox.offer(WAKE);
            }
        });
        link = o.link();
        connected = true;
        LOG.atInfo().addKeyValue("broker", config.broker()).addKeyValue("client_id", config.clientId())
                .addKeyValue("session_present", o.sessionPresent()).log("MQTT connected and subscribed");
        return o.link();
    }

    /** Returns only when closing; throws when the link is lost, the store is down or the token is revoked. */
    private void consume(BrokerLink l, boolean[] healthy) {
        Instant checked = clock.instant();
        while (true) {
            Received first = take();
            if (first == WAKE || first == null && lostCause != null) {
                if (closing) {
                    return;
                }
                throw new LinkLost(lostCause);
            }
            if (clock.instant().isAfter(checked.plus(revalidate))) {
                checkToken();
                checked = clock.instant();
            }
            if (first == null) {
                continue;
            }
            List<Received> batch = collect(first);
            pendingSince = first.receivedAt();
            long t0 = System.nanoTime();
            MessageWriter.Written w = writer.write(batch);
            long written = System.nanoTime();
            for (Received m : batch) {
                ack(m);
            }
            pendingSince = null;
            l.consumed(batch.size());
            healthy[0] = true;
            LOG.atDebug().addKeyValue("messages", w.messages()).addKeyValue("samples", w.samples())
                    .addKeyValue("rejected", w.rejected()).addKeyValue("write_ms", (written - t0) / 1_000_000)
                    .addKeyValue("wait_ms", java.time.Duration.between(first.receivedAt(), clock.instant()).toMillis())
                    .log("MQTT batch written and acknowledged");
        }
    }

    private Received take() {
        try {
            return inbox.poll(revalidate.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
            return WAKE;
        }
    }

    /**
     * The batch starting with {@code first}: what is queued, then what arrives within {@code mqtt.batch.max-delay},
     * up to {@code mqtt.batch.max-messages}. A {@link #WAKE} ends it (and is left out).
     */
    private List<Received> collect(Received first) {
        List<Received> batch = new ArrayList<>();
        batch.add(first);
        long deadline = System.nanoTime() + config.batchMaxDelay().toNanos();
        while (batch.size() < config.batchMaxMessages()) {
            Received m = inbox.poll();
            if (m == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    m = inbox.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                if (m == null) {
                    break;
                }
            }
            if (m == WAKE) {
                inbox.offer(WAKE);
                break;
            }
            batch.add(m);
        }
        return batch;
    }

    private static void ack(Received m) {
        try {
            m.ack().run();
        } catch (RuntimeException e) {
            // the connection is gone: the broker redelivers the message, and its samples replace themselves
            LOG.atDebug().addKeyValue("topic", m.topic()).log("MQTT acknowledgement not sent: " + e.getMessage());
        }
    }

    private void checkToken() {
        try {
            auth.secret(config.token().trim());
        } catch (TidemarkException e) {
            if (e.code() == ErrorCode.UNAUTHENTICATED) {
                throw new TidemarkException(ErrorCode.UNAUTHENTICATED, "mqtt.token is no longer valid (revoked?); "
                        + "MQTT ingest waits until it is (the broker keeps the messages)");
            }
            // the store did not answer: the next write will tell
        }
    }

    /**
     * Counts and reports a stop. A store failure or an internal error reaches the status (which the tenant's readers
     * see) only as {@link PublicError} has it — code, plain message, error id — and the log has it in full under the
     * id; a broker's or the token's error is shown as it is.
     */
    private void failed(String cause, Throwable error, Duration backoff) {
        reconnects.incrementAndGet();
        meters.counter("tidemark.mqtt.reconnects", "cause", cause).increment();
        String shown = cause.equals("store_unavailable") || cause.equals("error")
                ? PublicError.report("mqtt ingest " + caller.tenant().value(), error).text()
                : BrokerLink.describe(error);
        lastError = cause + ": " + shown;
        lastErrorAt = clock.instant();
        LOG.atWarn().addKeyValue("cause", cause).addKeyValue("error", shown)
                .addKeyValue("retry_in", backoff).log("MQTT ingest paused; nothing unwritten was acknowledged");
    }

    private void pause(Duration d) {
        try {
            closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    /** Asks the edge node for a rebirth (NCMD Node Control/Rebirth), at most once per {@link #REBIRTH_SPACING}. */
    private void rebirth(MessageWriter.Route route, Sparkplug.Topic t) {
        BrokerLink l = link;
        Instant now = clock.instant();
        Instant last = rebirthAsked.get(t.nodeKey());
        if (l == null || last != null && now.isBefore(last.plus(REBIRTH_SPACING))) {
            return;
        }
        if (rebirthAsked.size() > 100_000) {
            rebirthAsked.clear();
        }
        rebirthAsked.put(t.nodeKey(), now);
        try {
            l.publish(Sparkplug.commandTopic(t), Sparkplug.rebirthRequest(now));
            meters.counter("tidemark.mqtt.rebirth.requests", "subscription", route.subscription().name()).increment();
            LOG.atInfo().addKeyValue("topic", Sparkplug.commandTopic(t)).log("asked a Sparkplug edge node for a "
                    + "rebirth: its DATA used an alias no BIRTH seen defined");
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("topic", Sparkplug.commandTopic(t)).log("Sparkplug rebirth request not sent: "
                    + e.getMessage());
        }
    }

    /**
     * Stops: the batch being written is finished and acknowledged, the rest stays unacknowledged at the broker (which
     * redelivers it to the next start), and the client disconnects keeping its session. Waits at most
     * {@code shutdown.timeout}.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closing && thread == null) {
                return;
            }
            closing = true;
            t = thread;
            thread = null;
        }
        closed.countDown();
        inbox.offer(WAKE);
        if (t == null) {
            return;
        }
        try {
            t.join(stopTimeout.toMillis() + config.connectTimeout().toMillis());
            if (t.isAlive()) {
                LOG.warn("MQTT ingest did not stop within shutdown.timeout; interrupting it");
                t.interrupt();
                t.join(config.connectTimeout().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The link ended while consuming. */
    private static final class LinkLost extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LinkLost(Throwable cause) {
            super(cause == null ? "disconnected" : cause.getMessage(), cause, false, false);
        }
    }
}
