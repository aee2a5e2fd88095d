package io.tidemark.server.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedListener;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3Connect;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3ConnectBuilder;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscription;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAck;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import io.reactivex.Flowable;
import io.reactivex.FlowableSubscriber;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.reactivestreams.Subscription;

/**
 * One connection to the broker (HiveMQ MQTT client, 3.1.1 or 5), made by {@link #open} and used until it is lost or
 * {@link #close}d; a reconnection makes a new one. Every message is received with manual acknowledgement: the broker
 * gets its PUBACK only when {@link Received#ack()} runs. At most {@link MqttConfig#maxInflight()} messages are handed
 * over and not yet {@link #consumed} (backpressure on the client's flow, and the MQTT 5 receive maximum). The session
 * is persistent (3.1.1: clean session false; 5: clean start false with {@link MqttConfig#sessionExpiry()}), so the
 * broker redelivers the messages never acknowledged when Tidemark connects again. Handlers run on the client's
 * threads and must not block.
 */
final class BrokerLink implements AutoCloseable {
    /**
     * A message as received.
     *
     * @param receivedAt when it arrived, from the injected clock
     * @param ack sends the PUBACK (QoS 1; nothing for QoS 0); harmless on a connection that is gone
     */
    record Received(String topic, byte[] payload, int qos, Instant receivedAt, Runnable ack) {}

    private final MqttConfig config;
    private final Mqtt5Client v5;
    private final Mqtt3Client v3;
    private volatile Subscription flow;

    private BrokerLink(MqttConfig config, Mqtt5Client v5, Mqtt3Client v3) {
        this.config = config;
        this.v5 = v5;
        this.v3 = v3;
    }

    /**
     * Connects (bounded by {@link MqttConfig#connectTimeout()}) with a persistent session, then subscribes to every
     * subscription's filter (bounded by {@link MqttConfig#subscribeTimeout()}).
     *
     * @param onMessage called for each message, in the order received
     * @param onLost called once when the connection ends, with the cause (null for {@link #close})
     * @return the link and whether the broker still had the session
     * @throws TidemarkException {@code UNAVAILABLE} when the broker cannot be reached, refuses the connection or a
     *     subscription, or does not answer in time; {@code INVALID_ARGUMENT} for an unusable {@code mqtt.tls.ca}
     */
    static Opened open(MqttConfig config, Clock clock, Consumer<Received> onMessage, Consumer<Throwable> onLost) {
        MqttConfig.Endpoint at = MqttConfig.endpoint(config.broker());
        MqttClientSslConfig tls = at.tls() ? tls(config) : null;
        MqttClientDisconnectedListener lost = ctx -> onLost.accept(ctx.getCause());
        long connectMillis = config.connectTimeout().toMillis();
        BrokerLink link;
        boolean sessionPresent;
        try {
            if (config.version() == 5) {
                var b = MqttClient.builder().useMqttVersion5().identifier(config.clientId())
                        .transportConfig().serverHost(at.host()).serverPort(at.port()).sslConfig(tls)
                        .socketConnectTimeout(connectMillis, TimeUnit.MILLISECONDS)
                        .mqttConnectTimeout(connectMillis, TimeUnit.MILLISECONDS).applyTransportConfig()
                        .addDisconnectedListener(lost);
                link = new BrokerLink(config, b.build(), null);
                link.receive(link.v5.toRx().publishes(MqttGlobalPublishFilter.ALL, true), p -> new Received(
                        p.getTopic().toString(), p.getPayloadAsBytes(), p.getQos().getCode(), clock.instant(),
                        p::acknowledge), onMessage);
                sessionPresent = link.v5.toRx().connect(connect5(config)).timeout(connectMillis, TimeUnit.MILLISECONDS)
                        .blockingGet().isSessionPresent();
            } else {
                var b = MqttClient.builder().useMqttVersion3().identifier(config.clientId())
                        .transportConfig().serverHost(at.host()).serverPort(at.port()).sslConfig(tls)
                        .socketConnectTimeout(connectMillis, TimeUnit.MILLISECONDS)
                        .mqttConnectTimeout(connectMillis, TimeUnit.MILLISECONDS).applyTransportConfig()
                        .addDisconnectedListener(lost);
                link = new BrokerLink(config, null, b.build());
                link.receive(link.v3.toRx().publishes(MqttGlobalPublishFilter.ALL, true), p -> new Received(
                        p.getTopic().toString(), p.getPayloadAsBytes(), p.getQos().getCode(), clock.instant(),
                        p::acknowledge), onMessage);
                sessionPresent = link.v3.toRx().connect(connect3(config)).timeout(connectMillis, TimeUnit.MILLISECONDS)
                        .blockingGet().isSessionPresent();
            }
        } catch (RuntimeException e) {
            throw unavailable("cannot connect to the MQTT broker " + config.broker(), e);
        }
        try {
            link.subscribe();
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
        return new Opened(link, sessionPresent);
    }

    /** A connected link and whether the broker had kept the session. */
    record Opened(BrokerLink link, boolean sessionPresent) {}

    private <P> void receive(Flowable<P> publishes, java.util.function.Function<P, Received> received,
            Consumer<Received> onMessage) {
        publishes.subscribe(new FlowableSubscriber<P>() {
            @Override
            public void onSubscribe(Subscription s) {
                flow = s;
                s.request(config.maxInflight());
            }

            @Override
            public void onNext(P p) {
                onMessage.accept(received.apply(p));
            }

            @Override
            public void onError(Throwable t) {
                // the connection's end is reported by the disconnected listener
            }

            @Override
            public void onComplete() {
                // likewise
            }
        });
    }

    /** Lets {@code n} more messages through, once as many handed over were acknowledged or dropped. */
    void consumed(long n) {
        Subscription s = flow;
        if (s != null && n > 0) {
            s.request(n);
        }
    }

    private static Mqtt5Connect connect5(MqttConfig c) {
        Mqtt5ConnectBuilder b = Mqtt5Connect.builder().cleanStart(false)
                .sessionExpiryInterval(c.sessionExpiry().toSeconds()).keepAlive((int) c.keepAlive().toSeconds())
                .restrictions().receiveMaximum(c.maxInflight()).applyRestrictions();
        if (c.username() != null) {
            b = b.simpleAuth().username(c.username()).password(bytes(c.password())).applySimpleAuth();
        }
        return b.build();
    }

    private static Mqtt3Connect connect3(MqttConfig c) {
        Mqtt3ConnectBuilder b = Mqtt3Connect.builder().cleanSession(false).keepAlive((int) c.keepAlive().toSeconds());
        if (c.username() != null) {
            b = b.simpleAuth().username(c.username()).password(bytes(c.password())).applySimpleAuth();
        }
        return b.build();
    }

    private static byte[] bytes(String password) {
        return password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Subscribes to every filter. MQTT 5: with no-local, so the Sparkplug rebirth requests this client publishes do
     * not come back to it (with 3.1.1 they do, and are taken as messages without samples).
     */
    private void subscribe() {
        long millis = config.subscribeTimeout().toMillis();
        List<MqttConfig.Subscription> subs = config.subscriptions();
        try {
            if (v5 != null) {
                Mqtt5SubAck ack = v5.toRx().subscribe(Mqtt5Subscribe.builder().addSubscriptions(subs.stream()
                        .map(s -> Mqtt5Subscription.builder().topicFilter(s.filter()).qos(MqttQos.fromCode(s.qos()))
                                .noLocal(true).build())).build()).timeout(millis, TimeUnit.MILLISECONDS).blockingGet();
                for (int i = 0; i < subs.size(); i++) {
                    if (ack.getReasonCodes().get(i).isError()) {
                        throw refused(subs.get(i), ack.getReasonCodes().get(i).toString());
                    }
                }
                return;
            }
            Mqtt3SubAck ack = v3.toRx().subscribe(Mqtt3Subscribe.builder().addSubscriptions(subs.stream()
                    .map(s -> Mqtt3Subscription.builder().topicFilter(s.filter()).qos(MqttQos.fromCode(s.qos()))
                            .build())).build()).timeout(millis, TimeUnit.MILLISECONDS).blockingGet();
            for (int i = 0; i < subs.size(); i++) {
                if (ack.getReturnCodes().get(i) == Mqtt3SubAckReturnCode.FAILURE) {
                    throw refused(subs.get(i), "FAILURE");
                }
            }
        } catch (TidemarkException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable("the MQTT broker did not confirm the subscriptions", e);
        }
    }

    private static TidemarkException refused(MqttConfig.Subscription s, String code) {
        return new TidemarkException(ErrorCode.UNAVAILABLE, "the MQTT broker refused subscription '" + s.name()
                + "' to " + s.filter() + " (" + code + "); check the broker's ACL for this client");
    }

    /** Publishes with QoS 0, not retained (the Sparkplug rebirth request); does not wait. */
    void publish(String topic, byte[] payload) {
        if (v5 != null) {
            v5.toAsync().publish(Mqtt5Publish.builder().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(payload)
                    .build());
        } else {
            v3.toAsync().publish(Mqtt3Publish.builder().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(payload)
                    .build());
        }
    }

    /**
     * Disconnects, bounded by {@link MqttConfig#connectTimeout()}; the session stays at the broker with the messages
     * not acknowledged. Idempotent.
     */
    @Override
    public void close() {
        long millis = config.connectTimeout().toMillis();
        try {
            if (v5 != null) {
                v5.toRx().disconnect().timeout(millis, TimeUnit.MILLISECONDS).blockingAwait();
            } else {
                v3.toRx().disconnect().timeout(millis, TimeUnit.MILLISECONDS).blockingAwait();
            }
        } catch (RuntimeException e) {
            // not connected (any more), or the broker did not answer in time: the connection is gone either way
        }
    }

    private static MqttClientSslConfig tls(MqttConfig config) {
        var b = MqttClientSslConfig.builder().handshakeTimeout(config.connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
        if (config.tlsCa() == null) {
            return b.build();
        }
        try (InputStream in = Files.newInputStream(config.tlsCa())) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw MqttConfig.invalid("mqtt.tls.ca", config.tlsCa() + " holds no PEM certificate");
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return b.trustManagerFactory(tmf).build();
        } catch (IOException e) {
            throw MqttConfig.invalid("mqtt.tls.ca", "cannot read " + config.tlsCa() + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw MqttConfig.invalid("mqtt.tls.ca", config.tlsCa() + " is not usable: " + e.getMessage());
        }
    }

    private static TidemarkException unavailable(String what, Throwable e) {
        Throwable cause = e.getCause() != null && e instanceof RuntimeException && e.getClass() == RuntimeException.class
                ? e.getCause() : e;
        return new TidemarkException(ErrorCode.UNAVAILABLE, what + ": " + describe(cause), e);
    }

    /** A cause as one line for the log and the status. */
    static String describe(Throwable t) {
        if (t == null) {
            return "closed";
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
