package io.tidemark.server.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.Sample;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.Test;

class SparkplugAliasesTest {
    private static final int INT8 = 1;
    private static final int INT32 = 3;
    private static final int INT64 = 4;
    private static final int UINT32 = 7;
    private static final int UINT64 = 8;
    private static final int DOUBLE = 10;
    private static final int BOOLEAN = 11;
    private static final int STRING = 12;
    private static final int BYTES = 17;
    private static final long T0 = 1_700_000_000_000L;
    private static final Instant RECEIVED = Instant.parse("2025-01-01T00:00:00Z");
    private static final ArchiveDefinition ARCHIVE = ArchiveDefinition.raw("machines", List.of(
            new Column("temperature", ColumnType.DOUBLE), new Column("level", ColumnType.BIGINT),
            new Column("count", ColumnType.BIGINT), new Column("running", ColumnType.BOOLEAN),
            new Column("mode", ColumnType.VARCHAR), new Column("raw", ColumnType.VARCHAR)));

    private final SparkplugAliases aliases = new SparkplugAliases();

    private static Sparkplug.Topic topic(String type, String device) {
        return new Sparkplug.Topic("g", type, "edge", device);
    }

    private static Metric.Builder birth(String name, long alias, int datatype) {
        return Metric.newBuilder().setName(name).setAlias(alias).setDatatype(datatype);
    }

    private static Metric.Builder alias(long alias) {
        return Metric.newBuilder().setAlias(alias);
    }

    private SparkplugAliases.Decoded apply(String type, String device, Payload.Builder p) throws Exception {
        return aliases.apply(topic(type, device), p.build(), ARCHIVE, "g/edge" + (device == null ? "" : "/"
                + device), RECEIVED);
    }

    private void nodeBirth() throws Exception {
        apply("NBIRTH", null, Payload.newBuilder().setTimestamp(T0)
                .addMetrics(birth("Temperature", 1, DOUBLE).setDoubleValue(20.5))
                .addMetrics(birth("Level", 2, INT8).setIntValue(3))
                .addMetrics(birth("Count", 3, UINT32).setIntValue(7))
                .addMetrics(birth("Mode", 4, STRING).setStringValue("auto")));
    }

    @Test
    void apply_nbirth_definesAliasesAndItsValuesAreASampleAtThePayloadTime() throws Exception {
        SparkplugAliases.Decoded d = apply("NBIRTH", null, Payload.newBuilder().setTimestamp(T0)
                .addMetrics(birth("Temperature", 1, DOUBLE).setDoubleValue(20.5))
                .addMetrics(birth("Mode", 4, STRING).setStringValue("auto")));
        assertThat(d.samples()).containsExactly(new Sample("g/edge", Instant.ofEpochMilli(T0),
                Map.of("temperature", 20.5, "mode", "auto")));
        assertThat(d.ignored()).isEmpty();
        assertThat(aliases.born(topic("NDATA", null))).isTrue();
    }

    @Test
    void apply_ndataWithAliasesOnly_namesAndTypesFromTheBirth() throws Exception {
        nodeBirth();
        SparkplugAliases.Decoded d = apply("NDATA", null, Payload.newBuilder().setTimestamp(T0 + 1000)
                .addMetrics(alias(1).setDoubleValue(21.25))
                .addMetrics(alias(2).setIntValue(-3)) // Int8 from the BIRTH: signed
                .addMetrics(alias(3).setIntValue(-1))); // UInt32 from the BIRTH: unsigned
        assertThat(d.samples()).containsExactly(new Sample("g/edge", Instant.ofEpochMilli(T0 + 1000),
                Map.of("temperature", 21.25, "level", -3L, "count", 4_294_967_295L)));
    }

    @Test
    void apply_dataWithNames_storedWithoutAnyBirth() throws Exception {
        SparkplugAliases.Decoded d = apply("NDATA", null, Payload.newBuilder().setTimestamp(T0)
                .addMetrics(Metric.newBuilder().setName("Temperature").setDatatype(DOUBLE).setDoubleValue(1.5)));
        assertThat(d.samples()).extracting(Sample::values).containsExactly(Map.of("temperature", 1.5));
    }

    @Test
    void apply_dataOfAnAliasNoBirthDefined_unknownAliasNamingAliasAndNode() {
        assertThatThrownBy(() -> apply("NDATA", null, Payload.newBuilder().setTimestamp(T0)
                .addMetrics(alias(1).setDoubleValue(1))))
                .isInstanceOf(SparkplugAliases.UnknownAlias.class).hasMessageContaining("alias 1")
                .hasMessageContaining("g/edge");
    }

    @Test
    void apply_ddataBeforeItsDbirth_unknownAliasEvenWhenTheNodeWasBorn() throws Exception {
        nodeBirth();
        assertThatThrownBy(() -> apply("DDATA", "pump", Payload.newBuilder().addMetrics(alias(1).setDoubleValue(1))))
                .isInstanceOf(SparkplugAliases.UnknownAlias.class).hasMessageContaining("g/edge/pump");
    }

    @Test
    void apply_dbirthThenDdata_deviceAliasesApartFromTheNodes() throws Exception {
        nodeBirth();
        apply("DBIRTH", "pump", Payload.newBuilder().setTimestamp(T0)
                .addMetrics(birth("Running", 1, BOOLEAN).setBooleanValue(true)));
        SparkplugAliases.Decoded d = apply("DDATA", "pump", Payload.newBuilder().setTimestamp(T0 + 5)
                .addMetrics(alias(1).setBooleanValue(false)));
        assertThat(d.samples()).containsExactly(new Sample("g/edge/pump", Instant.ofEpochMilli(T0 + 5),
                Map.of("running", false)));
        SparkplugAliases.Decoded node = apply("NDATA", null, Payload.newBuilder().setTimestamp(T0 + 5)
                .addMetrics(alias(1).setDoubleValue(2)));
        assertThat(node.samples()).extracting(Sample::values).containsExactly(Map.of("temperature", 2.0));
    }

    @Test
    void apply_nbirthAgain_dropsTheDevicesAliases() throws Exception {
        nodeBirth();
        apply("DBIRTH", "pump", Payload.newBuilder().addMetrics(birth("Running", 1, BOOLEAN).setBooleanValue(true)));
        nodeBirth();
        assertThatThrownBy(() -> apply("DDATA", "pump", Payload.newBuilder().addMetrics(alias(1)
                .setBooleanValue(true)))).isInstanceOf(SparkplugAliases.UnknownAlias.class);
    }

    @Test
    void apply_ndeath_forgetsTheNodeAndCarriesNoSamples() throws Exception {
        nodeBirth();
        assertThat(apply("NDEATH", null, Payload.newBuilder())).isNull();
        assertThat(aliases.born(topic("NDATA", null))).isFalse();
        assertThatThrownBy(() -> apply("NDATA", null, Payload.newBuilder().addMetrics(alias(1).setDoubleValue(1))))
                .isInstanceOf(SparkplugAliases.UnknownAlias.class);
    }

    @Test
    void apply_ddeath_forgetsOnlyThatDevice() throws Exception {
        nodeBirth();
        apply("DBIRTH", "pump", Payload.newBuilder().addMetrics(birth("Running", 1, BOOLEAN).setBooleanValue(true)));
        assertThat(apply("DDEATH", "pump", Payload.newBuilder())).isNull();
        assertThat(aliases.born(topic("DDATA", "pump"))).isFalse();
        assertThat(aliases.born(topic("NDATA", null))).isTrue();
    }

    @Test
    void apply_commandsAndOtherTypes_noSamples() throws Exception {
        assertThat(apply("NCMD", null, Payload.newBuilder().addMetrics(birth("Node Control/Rebirth", 9, BOOLEAN)
                .setBooleanValue(true)))).isNull();
        assertThat(apply("STATE", null, Payload.newBuilder())).isNull();
    }

    @Test
    void apply_metricTimestamps_oneSamplePerTimestampMetricOverPayloadOverReceiveTime() throws Exception {
        nodeBirth();
        SparkplugAliases.Decoded withPayloadTime = apply("NDATA", null, Payload.newBuilder().setTimestamp(T0)
                .addMetrics(alias(1).setTimestamp(T0 + 1).setDoubleValue(1))
                .addMetrics(alias(2).setTimestamp(T0 + 2).setIntValue(2))
                .addMetrics(alias(4).setStringValue("manual")));
        assertThat(withPayloadTime.samples()).containsExactly(
                new Sample("g/edge", Instant.ofEpochMilli(T0 + 1), Map.of("temperature", 1.0)),
                new Sample("g/edge", Instant.ofEpochMilli(T0 + 2), Map.of("level", 2L)),
                new Sample("g/edge", Instant.ofEpochMilli(T0), Map.of("mode", "manual")));
        SparkplugAliases.Decoded untimed = apply("NDATA", null, Payload.newBuilder()
                .addMetrics(alias(1).setDoubleValue(3)));
        assertThat(untimed.samples()).extracting(Sample::timestamp).containsExactly(RECEIVED);
    }

    @Test
    void apply_metricWithoutColumnOrUnsupportedType_leftOutAndReported() throws Exception {
        SparkplugAliases.Decoded d = apply("NBIRTH", null, Payload.newBuilder().setTimestamp(T0)
                .addMetrics(birth("bdSeq", 1, INT64).setLongValue(0))
                .addMetrics(birth("Raw", 2, BYTES).setBytesValue(ByteString.copyFrom(new byte[] {1})))
                .addMetrics(birth("Temperature", 3, DOUBLE).setDoubleValue(4)));
        assertThat(d.ignored()).containsExactly("Raw", "bdSeq");
        assertThat(d.samples()).extracting(Sample::values).containsExactly(Map.of("temperature", 4.0));
    }

    @Test
    void apply_transientMetricOrNullValue_transientLeftOutNullKept() throws Exception {
        nodeBirth();
        SparkplugAliases.Decoded d = apply("NDATA", null, Payload.newBuilder().setTimestamp(T0)
                .addMetrics(alias(1).setIsTransient(true).setDoubleValue(99))
                .addMetrics(alias(4).setIsNull(true)));
        assertThat(d.samples()).hasSize(1);
        assertThat(d.samples().get(0).values()).containsOnlyKeys("mode").containsEntry("mode", null);
    }

    @Test
    void value_uint64PastLongMax_bigInteger() {
        Metric m = Metric.newBuilder().setLongValue(-1L).build();
        assertThat(Sparkplug.value(m, UINT64)).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(Sparkplug.value(m, INT64)).isEqualTo(-1L);
        assertThat(Sparkplug.value(Metric.newBuilder().setIntValue(-7).build(), INT32)).isEqualTo(-7L);
    }
}
