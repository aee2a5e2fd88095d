package io.tidemark.server.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A device in tests: an MQTT 5 client that publishes with QoS 1 and returns once the broker sent its PUBACK, and
 * records what it receives on a filter (the rebirth requests Tidemark sends).
 */
public final class TestPublisher implements AutoCloseable {
    private final Mqtt5BlockingClient client;
    private final List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();

    public TestPublisher(String host, int port) {
        this(host, port, null, null);
    }

    /** With a user name and password (both null: none). */
    public TestPublisher(String host, int port, String user, String password) {
        client = MqttClient.builder().useMqttVersion5().identifier("test-" + UUID.randomUUID()).serverHost(host)
                .serverPort(port).buildBlocking();
        var connect = client.connectWith().cleanStart(true);
        if (user != null) {
            connect = connect.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        connect.send();
        client.toAsync().publishes(MqttGlobalPublishFilter.ALL, received::add);
    }

    /** Publishes with QoS 1; returns once the broker acknowledged it (PUBACK). */
    public void publish(String topic, byte[] payload) {
        client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
    }

    public void publish(String topic, String payload) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    /** Subscribes to {@code filter}; what arrives is in {@link #received()}. */
    public void listen(String filter) {
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
    }

    public List<Mqtt5Publish> received() {
        return received;
    }

    /** The payload of the first message received on {@code topic}, if any. */
    public Optional<byte[]> firstOn(String topic) {
        return received.stream().filter(p -> p.getTopic().toString().equals(topic)).findFirst()
                .map(Mqtt5Publish::getPayloadAsBytes);
    }

    @Override
    public void close() {
        try {
            client.toAsync().disconnect().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the broker is gone already
        }
    }
}
