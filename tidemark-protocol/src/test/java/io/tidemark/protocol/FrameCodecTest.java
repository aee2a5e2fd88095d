package io.tidemark.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    @Test
    void encodeDecode_everyFrame_roundTrips() {
        Frame.Schema schema = new Frame.Schema(List.of(new Frame.Column("site", "VARCHAR"),
                new Frame.Column("n", "BIGINT")), List.of("site"), true);
        List<Frame> frames = List.of(
                new Frame.Hello(1, List.of("AGG_MARK_END"), "test", null, 0),
                new Frame.Hello(1, List.of("AGGREGATE_MARK_GENERATION"), "tidemark", "plant", 30_000),
                new Frame.Register("q1", "SELECT * FROM recent.a", "SNAPSHOT"),
                new Frame.Unregister("q1"),
                new Frame.SnapshotBegin("q1", schema),
                new Frame.TupleFrame(Frame.TupleKind.ADDED, "q1", List.of("a"), Arrays.asList("a", 3L, null, 2.5, true)),
                new Frame.TupleFrame(Frame.TupleKind.UPDATED, "q1", List.of("a"), List.of("a", 4L)),
                new Frame.TupleFrame(Frame.TupleKind.REMOVED, "q1", List.of("a"), List.of("a", 4L)),
                new Frame.SnapshotEnd("q1"),
                new Frame.AggMarkBegin(7),
                new Frame.AggMarkEnd(7),
                new Frame.QueryError("q1", "NOT_FOUND", "gone"),
                new Frame.QueryStatus("q1", "STALE", "MEMORY_BUDGET_EXCEEDED", "recent.x misses samples"),
                new Frame.QueryStatus("q1", "OK", null, null),
                new Frame.ConnectionError("INVALID_FRAME", "bad"),
                new Frame.Ping("n1"),
                new Frame.Pong("n1"));
        for (Frame f : frames) {
            assertThat(FrameCodec.decode(FrameCodec.encode(f))).containsExactly(f);
        }
        assertThat(FrameCodec.decode(FrameCodec.encodeAll(frames))).isEqualTo(frames);
    }

    @Test
    void message_splicedTupleBodies_sameTextAsEncodeAll() {
        List<Object> key = Arrays.asList("a\"b", Instant.parse("2025-01-01T00:00:00.000001Z"));
        List<Object> values = Arrays.asList("a\"b", 3L, null, 2.5, true, -0.0, 1e300);
        List<Frame> frames = List.of(
                new Frame.AggMarkBegin(3),
                new Frame.TupleFrame(Frame.TupleKind.ADDED, "q\u00e9", key, values),
                new Frame.TupleFrame(Frame.TupleKind.UPDATED, "q2", List.of(), List.of(1L)),
                new Frame.TupleFrame(Frame.TupleKind.REMOVED, "q1", key, values),
                new Frame.AggMarkEnd(3));
        String body = FrameCodec.tupleBody(key, values);
        FrameCodec.Message m = FrameCodec.message()
                .add(frames.get(0))
                .addTuple(Frame.TupleKind.ADDED, "q\u00e9", body)
                .addTuple(Frame.TupleKind.UPDATED, "q2", FrameCodec.tupleBody(List.of(), List.of(1L)))
                .addTuple(Frame.TupleKind.REMOVED, "q1", body)
                .add(frames.get(4));
        assertThat(m.size()).isEqualTo(5);
        String text = m.text();
        assertThat(text).isEqualTo(FrameCodec.encodeAll(frames));
        assertThat(FrameCodec.decode(text).get(1)).isEqualTo(FrameCodec.decode(FrameCodec.encode(frames.get(1))).get(0));
        assertThat(m.isEmpty()).isTrue();
        assertThat(m.add(new Frame.Ping("n")).text()).isEqualTo("[{\"type\":\"ping\",\"nonce\":\"n\"}]");
    }

    @Test
    void decode_tupleAndMarkFrames_directPathAgreesWithTheCheckedOne() {
        // Field order, extra fields and nested objects that look like frames: all decode as the checked path does.
        assertThat(FrameCodec.decode("[{\"values\":[1,2.5,null],\"key\":[\"a\"],\"queryId\":\"q\","
                + "\"type\":\"tupleRemoved\"},{\"generation\":4,\"type\":\"aggMarkEnd\"}]"))
                .containsExactly(new Frame.TupleFrame(Frame.TupleKind.REMOVED, "q", List.of("a"),
                        Arrays.asList(1L, 2.5, null)), new Frame.AggMarkEnd(4));
        assertThat(FrameCodec.decode("{\"type\":\"tupleAdded\",\"queryId\":\"q\",\"key\":[],\"values\":[],"
                + "\"extra\":true}")).containsExactly(new Frame.TupleFrame(Frame.TupleKind.ADDED, "q", List.of(),
                List.of()));
        Frame.TupleFrame nested = (Frame.TupleFrame) FrameCodec.decode("{\"type\":\"tupleAdded\",\"queryId\":\"q\","
                + "\"key\":[],\"values\":[{\"type\":\"aggMarkEnd\",\"generation\":1}]}").get(0);
        assertThat(nested.values().get(0)).isInstanceOf(java.util.Map.class);
        assertThatThrownBy(() -> FrameCodec.decode("[{\"type\":\"aggMarkEnd\",\"generation\":1},"
                + "{\"type\":\"tupleAdded\",\"queryId\":1,\"key\":[],\"values\":[]}]"))
                .hasMessageContaining("frame 1 of the array: frame 'tupleAdded' needs a string \"queryId\", got a number");
        assertThatThrownBy(() -> FrameCodec.decode("{\"type\":\"aggMarkBegin\",\"generation\":\"7\"}"))
                .hasMessageContaining("needs an integer \"generation\", got a string");
        assertThatThrownBy(() -> FrameCodec.decode("{\"type\":\"tupleUpdated\",\"queryId\":\"q\",\"key\":[]}"))
                .hasMessageContaining("needs an array \"values\"");
    }

    @Test
    void encode_instant_isIsoString() {
        String json = FrameCodec.encode(new Frame.TupleFrame(Frame.TupleKind.ADDED, "q",
                List.of(Instant.parse("2025-01-01T00:00:00.000001Z")), List.of()));
        assertThat(json).contains("\"2025-01-01T00:00:00.000001Z\"");
    }

    @Test
    void decode_malformed_saysWhatIsWrong() {
        assertThatThrownBy(() -> FrameCodec.decode("{not json")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> FrameCodec.decode("{\"type\":\"bogus\"}")).hasMessageContaining("unknown frame type 'bogus'");
        assertThatThrownBy(() -> FrameCodec.decode("{\"sql\":\"x\"}")).hasMessageContaining("\"type\"");
        assertThatThrownBy(() -> FrameCodec.decode("{\"type\":\"register\",\"queryId\":1,\"sql\":\"x\"}"))
                .hasMessageContaining("needs a string \"queryId\", got a number");
        assertThatThrownBy(() -> FrameCodec.decode("[{\"type\":\"ping\"}, 3]")).hasMessageContaining("frame 1");
        assertThatThrownBy(() -> FrameCodec.decode("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> FrameCodec.decode("42")).hasMessageContaining("got a number");
        assertThatThrownBy(() -> FrameCodec.decode("{\"type\":\"ping\"} {}")).hasMessageContaining("more than one");
    }
}
