package io.tidemark.server.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.junit.jupiter.api.Test;

class SparkplugTest {

    @Test
    void column_metricNames_lowerCaseRunsOfOtherCharactersAsOneUnderscore() {
        assertThat(Sparkplug.column("Inputs/Temperature")).isEqualTo("inputs_temperature");
        assertThat(Sparkplug.column("Node Control/Rebirth")).isEqualTo("node_control_rebirth");
        assertThat(Sparkplug.column("Pump.RPM (avg)")).isEqualTo("pump_rpm_avg");
        assertThat(Sparkplug.column("already_fine")).isEqualTo("already_fine");
    }

    @Test
    void column_notStartingWithALetter_prefixedWithM() {
        assertThat(Sparkplug.column("2nd Pump.RPM")).isEqualTo("m_2nd_pump_rpm");
        assertThat(Sparkplug.column("_x")).isEqualTo("x");
        assertThat(Sparkplug.column("°")).isEqualTo("m_");
    }

    @Test
    void column_longName_cutTo63() {
        assertThat(Sparkplug.column("a".repeat(100))).hasSize(63);
    }

    @Test
    void topic_nodeAndDeviceTopics_parts() {
        Sparkplug.Topic node = Sparkplug.topic("spBv1.0/factory/NDATA/edge1");
        assertThat(node).isEqualTo(new Sparkplug.Topic("factory", "NDATA", "edge1", null));
        assertThat(node.defaultRtId()).isEqualTo("factory/edge1");
        Sparkplug.Topic device = Sparkplug.topic("spBv1.0/factory/DDATA/edge1/pump");
        assertThat(device.defaultRtId()).isEqualTo("factory/edge1/pump");
        assertThat(device.nodeKey()).isEqualTo("factory/edge1");
        assertThat(device.variables()).containsEntry("group", "factory").containsEntry("node", "edge1")
                .containsEntry("device", "pump");
    }

    @Test
    void topic_notSparkplug_null() {
        assertThat(Sparkplug.topic("spBv1.0/factory/NDATA")).isNull();
        assertThat(Sparkplug.topic("spBv1.0/factory/DDATA/edge1/pump/extra")).isNull();
        assertThat(Sparkplug.topic("spAv1.0/factory/NDATA/edge1")).isNull();
        assertThat(Sparkplug.topic("spBv1.0//NDATA/edge1")).isNull();
    }

    @Test
    void isState_hostApplicationState_trueOthersFalse() {
        assertThat(Sparkplug.isState("spBv1.0/STATE/scada1")).isTrue();
        assertThat(Sparkplug.isState("spBv1.0/STATE/scada1/x")).isFalse();
        assertThat(Sparkplug.isState("spBv1.0/factory/NDATA/edge1")).isFalse();
    }

    @Test
    void rebirthRequest_ncmdWithNodeControlRebirthTrue() throws Exception {
        Payload p = Payload.parseFrom(Sparkplug.rebirthRequest(Instant.ofEpochMilli(5)));
        assertThat(p.getMetrics(0).getName()).isEqualTo("Node Control/Rebirth");
        assertThat(p.getMetrics(0).getBooleanValue()).isTrue();
        assertThat(Sparkplug.commandTopic(new Sparkplug.Topic("g", "NDATA", "e", "d"))).isEqualTo("spBv1.0/g/NCMD/e");
    }
}
