package io.tidemark.server.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.ConfigResolver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MqttConfigTest {
    private static final Map<String, String> BASE = Map.of("mqtt.broker", "tcp://127.0.0.1:1883", "mqtt.token",
            "tmk_x");

    private static MqttConfig resolve(Map<String, String> file, Map<String, String> env, Map<String, String> flags) {
        Map<String, String> f = new java.util.HashMap<>(BASE);
        f.putAll(file);
        return ConfigResolver.resolve(f, env, flags).mqtt();
    }

    @Test
    void resolve_nothingSet_off() {
        MqttConfig c = ConfigResolver.resolve(Map.of(), Map.of(), Map.of()).mqtt();
        assertThat(c.enabled()).isFalse();
        assertThat(c.subscriptions()).isEmpty();
    }

    @Test
    void resolve_subscriptionFromFileEnvAndFlags_flagsOverEnvOverFile() {
        MqttConfig c = resolve(Map.of("mqtt.subscription.plant.topic", "plant/{site}/{device}/data",
                "mqtt.subscription.plant.archive", "boiler", "mqtt.subscription.plant.qos", "0"),
                Map.of("TIDEMARK_MQTT_SUBSCRIPTION_PLANT_RT_ID", "{site}.{device}",
                        "TIDEMARK_MQTT_SUBSCRIPTION_PLANT_ARCHIVE", "{site}"),
                Map.of("mqtt.subscription.plant.qos", "1", "mqtt.batch.max-delay", "20ms"));
        assertThat(c.subscriptions()).containsExactly(new MqttConfig.Subscription("plant",
                "plant/{site}/{device}/data", "{site}", "{site}.{device}", MqttConfig.Format.JSON, 1, true));
        assertThat(c.subscriptions().get(0).filter()).isEqualTo("plant/+/+/data");
        assertThat(c.batchMaxDelay()).isEqualTo(Duration.ofMillis(20));
    }

    @Test
    void resolve_sparkplugWithoutTopic_allOfSpBv1() {
        MqttConfig c = resolve(Map.of("mqtt.subscription.edge.format", "sparkplug",
                "mqtt.subscription.edge.archive", "{group}"), Map.of(), Map.of());
        assertThat(c.subscriptions().get(0).filter()).isEqualTo("spBv1.0/#");
        assertThat(c.subscriptions().get(0).rtId()).isNull();
    }

    @Test
    void resolve_archiveWithAVariableTheTopicLacks_refusedNamingTheKey() {
        assertThatThrownBy(() -> resolve(Map.of("mqtt.subscription.p.topic", "p/{site}",
                "mqtt.subscription.p.archive", "{device}"), Map.of(), Map.of()))
                .isInstanceOfSatisfying(TidemarkException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("mqtt.subscription.p.archive").hasMessageContaining("{device}");
    }

    @Test
    void resolve_unknownFieldOrBadQos_refusedNamingTheKey() {
        assertThatThrownBy(() -> resolve(Map.of("mqtt.subscription.p.topik", "p"), Map.of(), Map.of()))
                .hasMessageContaining("mqtt.subscription.p.topik").hasMessageContaining("unknown field");
        assertThatThrownBy(() -> resolve(Map.of("mqtt.subscription.p.topic", "p", "mqtt.subscription.p.archive",
                "a", "mqtt.subscription.p.qos", "2"), Map.of(), Map.of())).hasMessageContaining("0 or 1");
    }

    @Test
    void resolve_sparkplugTopicWithVariablesOrOutsideTheNamespace_refused() {
        assertThatThrownBy(() -> resolve(Map.of("mqtt.subscription.e.format", "sparkplug",
                "mqtt.subscription.e.topic", "spBv1.0/{g}/#", "mqtt.subscription.e.archive", "a"), Map.of(),
                Map.of())).hasMessageContaining("plain filter");
        assertThatThrownBy(() -> resolve(Map.of("mqtt.subscription.e.format", "sparkplug",
                "mqtt.subscription.e.topic", "plant/#", "mqtt.subscription.e.archive", "a"), Map.of(), Map.of()))
                .hasMessageContaining("spBv1.0/");
    }

    @Test
    void resolve_brokerWithoutTokenOrSubscriptions_refusedSayingWhatToSet() {
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of("mqtt.broker", "tcp://h:1883",
                "mqtt.subscription.p.topic", "p", "mqtt.subscription.p.archive", "a"), Map.of(), Map.of()))
                .hasMessageContaining("mqtt.token");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), Map.of())).hasMessageContaining("no subscription");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of("mqtt.subscription.p.topic", "p",
                "mqtt.subscription.p.archive", "a"), Map.of(), Map.of())).hasMessageContaining("mqtt.broker");
    }

    @Test
    void endpoint_schemes_hostPortAndTls() {
        assertThat(MqttConfig.endpoint("tcp://broker:1884")).isEqualTo(new MqttConfig.Endpoint("broker", 1884,
                false));
        assertThat(MqttConfig.endpoint("mqtt://broker")).isEqualTo(new MqttConfig.Endpoint("broker", 1883, false));
        assertThat(MqttConfig.endpoint("ssl://broker")).isEqualTo(new MqttConfig.Endpoint("broker", 8883, true));
        assertThatThrownBy(() -> MqttConfig.endpoint("http://broker")).hasMessageContaining("scheme");
    }

    @Test
    void resolve_sameFilterTwice_refused() {
        assertThatThrownBy(() -> resolve(Map.of("mqtt.subscription.a.topic", "p/{x}", "mqtt.subscription.a.archive",
                "a", "mqtt.subscription.b.topic", "p/+", "mqtt.subscription.b.archive", "b"), Map.of(), Map.of()))
                .hasMessageContaining("subscribed twice");
    }
}
