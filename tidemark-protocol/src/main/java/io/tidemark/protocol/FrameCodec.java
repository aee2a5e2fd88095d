package io.tidemark.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Frames to JSON text and back. Encoding writes {@link Instant} values as ISO-8601 strings; decoding gives JSON
 * values: {@code Long} for integral numbers, {@code Double} for the others, {@code String}, {@code Boolean},
 * {@code null}. Thread-safe.
 */
public final class FrameCodec {
    private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build()).build();

    private FrameCodec() {}

    /** One frame as a JSON object. */
    public static String encode(Frame f) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            write(g, f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Several frames, in order, as one JSON array (one text message). */
    public static String encodeAll(List<? extends Frame> frames) {
        StringWriter out = new StringWriter(64 * frames.size() + 2);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (Frame f : frames) {
                write(g, f);
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * The body of a tuple frame: {@code "key":[…],"values":[…]} without braces, to be spliced into several messages
     * with {@link Message#addTuple}. A server sends the same result row to every connection of a query; encoding it
     * once and splicing the text is what keeps fan-out linear in rows rather than in rows × connections.
     */
    public static String tupleBody(List<Object> key, List<Object> values) {
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName("key");
            values(g, key);
            g.writeFieldName("values");
            values(g, values);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuffer b = out.getBuffer();
        return b.substring(1, b.length() - 1);
    }

    /** A new, empty message: frames in order as one JSON array, decoded by {@link #decode} like {@link #encodeAll}. */
    public static Message message() {
        return new Message();
    }

    /**
     * One outbound text message under construction: a JSON array of frames. Tuple frames may carry a body encoded
     * once by {@link #tupleBody}; they are spliced as text, so adding one costs a copy, not an encode. Not
     * thread-safe; {@link #text()} ends the message, and the builder starts over empty.
     */
    public static final class Message {
        /** A buffer grown past this by a large message (a snapshot) is dropped: a server keeps one per socket. */
        private static final int KEEP_CHARS = 4 * 1024;
        private StringBuilder out = new StringBuilder(256);
        private int frames;

        private Message() {}

        /** Appends a frame. */
        public Message add(Frame f) {
            out.append(frames == 0 ? '[' : ',').append(encode(f));
            frames++;
            return this;
        }

        /** Appends a tuple frame whose {@code body} came from {@link #tupleBody}. */
        public Message addTuple(Frame.TupleKind kind, String queryId, String body) {
            out.append(frames == 0 ? '[' : ',').append("{\"type\":\"").append(kind.wire()).append("\",\"queryId\":\"");
            QUOTE.quoteAsString(queryId, out);
            out.append("\",").append(body).append('}');
            frames++;
            return this;
        }

        /** Frames appended since the last {@link #text()}. */
        public int size() {
            return frames;
        }

        public boolean isEmpty() {
            return frames == 0;
        }

        /** The message's text ({@code []} when empty); the builder is empty again afterwards. */
        public String text() {
            if (frames == 0) {
                return "[]";
            }
            String text = out.append(']').toString();
            if (out.capacity() > KEEP_CHARS) {
                out = new StringBuilder(256);
            } else {
                out.setLength(0);
            }
            frames = 0;
            return text;
        }
    }

    /**
     * The frames of one text message: one object, or an array of objects.
     *
     * @throws ProtocolException {@link Protocol#INVALID_FRAME} saying what is wrong (and, in an array, which frame)
     */
    public static List<Frame> decode(CharSequence text) {
        Object root;
        try (JsonParser p = JSON.createParser(text.toString())) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw invalid("the message is empty; send a JSON object with a \"type\"");
            }
            root = root(p, t);
            if (p.nextToken() != null) {
                throw invalid("the message holds more than one JSON value; send one object or one array");
            }
        } catch (JsonProcessingException e) {
            throw invalid("the message is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root instanceof Frame f) {
            return List.of(f);
        }
        if (root instanceof Map<?, ?> m) {
            return List.of(frame(m));
        }
        if (!(root instanceof List<?> list)) {
            throw invalid("a message is a JSON object (one frame) or an array of objects, got " + describe(root));
        }
        List<Frame> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof Frame f) {
                out.add(f);
                continue;
            }
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw invalid("frame " + i + " of the array is " + describe(list.get(i)) + ", not an object");
            }
            try {
                out.add(frame(m));
            } catch (ProtocolException e) {
                throw invalid("frame " + i + " of the array: " + e.getMessage());
            }
        }
        return out;
    }

    // ---- encoding ----------------------------------------------------------------------------------------------

    private static void write(JsonGenerator g, Frame f) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", f.type());
        if (f instanceof Frame.TupleFrame t) {
            g.writeStringField("queryId", t.queryId());
            g.writeFieldName("key");
            values(g, t.key());
            g.writeFieldName("values");
            values(g, t.values());
        } else if (f instanceof Frame.AggMarkBegin b) {
            g.writeNumberField("generation", b.generation());
        } else if (f instanceof Frame.AggMarkEnd e) {
            g.writeNumberField("generation", e.generation());
        } else if (f instanceof Frame.SnapshotBegin s) {
            g.writeStringField("queryId", s.queryId());
            schema(g, s.schema());
        } else if (f instanceof Frame.SnapshotEnd s) {
            g.writeStringField("queryId", s.queryId());
        } else if (f instanceof Frame.Hello h) {
            g.writeNumberField("protocol", h.protocol());
            g.writeArrayFieldStart("capabilities");
            for (String c : h.capabilities()) {
                g.writeString(c);
            }
            g.writeEndArray();
            optional(g, "agent", h.agent());
            optional(g, "tenant", h.tenant());
            if (h.heartbeatTimeoutMillis() > 0) {
                g.writeNumberField("heartbeatTimeoutMillis", h.heartbeatTimeoutMillis());
            }
        } else if (f instanceof Frame.Register r) {
            g.writeStringField("queryId", r.queryId());
            g.writeStringField("sql", r.sql());
            g.writeStringField("queryType", r.queryType());
        } else if (f instanceof Frame.Unregister u) {
            g.writeStringField("queryId", u.queryId());
        } else if (f instanceof Frame.QueryError q) {
            g.writeStringField("queryId", q.queryId());
            g.writeStringField("code", q.code());
            g.writeStringField("message", q.message());
        } else if (f instanceof Frame.QueryStatus q) {
            g.writeStringField("queryId", q.queryId());
            g.writeStringField("status", q.status());
            optional(g, "code", q.code());
            optional(g, "message", q.message());
        } else if (f instanceof Frame.ConnectionError e) {
            g.writeStringField("code", e.code());
            g.writeStringField("message", e.message());
        } else if (f instanceof Frame.Ping p) {
            optional(g, "nonce", p.nonce());
        } else if (f instanceof Frame.Pong p) {
            optional(g, "nonce", p.nonce());
        }
        g.writeEndObject();
    }

    private static void optional(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }

    private static void schema(JsonGenerator g, Frame.Schema s) throws IOException {
        g.writeObjectFieldStart("schema");
        g.writeArrayFieldStart("columns");
        for (Frame.Column c : s.columns()) {
            g.writeStartObject();
            g.writeStringField("name", c.name());
            g.writeStringField("type", c.type());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("keyColumns");
        for (String k : s.keyColumns()) {
            g.writeString(k);
        }
        g.writeEndArray();
        g.writeBooleanField("ordered", s.ordered());
        g.writeEndObject();
    }

    private static void values(JsonGenerator g, List<Object> values) throws IOException {
        g.writeStartArray();
        for (Object v : values) {
            if (v == null) {
                g.writeNull();
            } else if (v instanceof String s) {
                g.writeString(s);
            } else if (v instanceof Double d) {
                g.writeNumber(d);
            } else if (v instanceof Long l) {
                g.writeNumber(l);
            } else if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else if (v instanceof Integer i) {
                g.writeNumber(i);
            } else if (v instanceof Float fl) {
                g.writeNumber(fl);
            } else {
                g.writeString(v.toString()); // Instant: ISO-8601 in UTC
            }
        }
        g.writeEndArray();
    }

    // ---- decoding ----------------------------------------------------------------------------------------------

    /** The message's root: objects (frames) at the top level or in the top-level array go through {@link #object}. */
    private static Object root(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.START_OBJECT) {
            return object(p);
        }
        if (t != JsonToken.START_ARRAY) {
            return value(p, t);
        }
        List<Object> l = new ArrayList<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
            l.add(n == JsonToken.START_OBJECT ? object(p) : value(p, n));
        }
        return l;
    }

    /**
     * One frame object, the parser past its START_OBJECT: tuple frames and marks (nearly all a server sends) become
     * their {@link Frame} directly; any other object, or one with other or mistyped fields, becomes the field map
     * that {@link #frame(Map)} checks, so every error reads the same either way.
     */
    private static Object object(JsonParser p) throws IOException {
        Object type = null;
        Object queryId = null;
        Object key = null;
        Object values = null;
        Object generation = null;
        Map<String, Object> other = null;
        for (JsonToken n = p.nextToken(); n != JsonToken.END_OBJECT; n = p.nextToken()) {
            String name = p.currentName();
            Object v = value(p, p.nextToken());
            switch (name) {
                case "type" -> type = v;
                case "queryId" -> queryId = v;
                case "key" -> key = v;
                case "values" -> values = v;
                case "generation" -> generation = v;
                default -> {
                    other = other == null ? new LinkedHashMap<>() : other;
                    other.put(name, v);
                }
            }
        }
        if (other == null && type instanceof String s) {
            Frame direct = direct(s, queryId, key, values, generation);
            if (direct != null) {
                return direct;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        putIfSet(m, "type", type);
        putIfSet(m, "queryId", queryId);
        putIfSet(m, "key", key);
        putIfSet(m, "values", values);
        putIfSet(m, "generation", generation);
        if (other != null) {
            m.putAll(other);
        }
        return m;
    }

    /** A tuple frame or a mark with exactly its fields, well typed; otherwise null. */
    private static Frame direct(String type, Object queryId, Object key, Object values, Object generation) {
        Frame.TupleKind kind = switch (type) {
            case "tupleAdded" -> Frame.TupleKind.ADDED;
            case "tupleUpdated" -> Frame.TupleKind.UPDATED;
            case "tupleRemoved" -> Frame.TupleKind.REMOVED;
            default -> null;
        };
        if (kind != null && generation == null && queryId instanceof String q && key instanceof List<?> k
                && values instanceof List<?> v) {
            return new Frame.TupleFrame(kind, q, cast(k), cast(v));
        }
        if (queryId != null || key != null || values != null || !(generation instanceof Long g)) {
            return null;
        }
        return switch (type) {
            case "aggMarkBegin" -> new Frame.AggMarkBegin(g);
            case "aggMarkEnd" -> new Frame.AggMarkEnd(g);
            default -> null;
        };
    }

    private static void putIfSet(Map<String, Object> m, String field, Object v) {
        if (v != null) {
            m.put(field, v);
        }
    }

    /** A list {@link #value} built (an {@code ArrayList<Object>}), not shared. */
    @SuppressWarnings("unchecked")
    private static List<Object> cast(List<?> l) {
        return (List<Object>) l;
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken n = p.nextToken(); n != JsonToken.END_OBJECT; n = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
                    l.add(value(p, n));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    return p.getDoubleValue();
                }
                return p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            default -> {
                return null;
            }
        }
    }

    private static Frame frame(Map<?, ?> m) {
        Object type = m.get("type");
        if (!(type instanceof String s)) {
            throw invalid("a frame needs a string \"type\" (hello, register, unregister, ping, pong, …)");
        }
        return switch (s) {
            case "hello" -> new Frame.Hello(integer(m, "protocol"), strings(m, "capabilities"),
                    optString(m, "agent"), optString(m, "tenant"), optLong(m, "heartbeatTimeoutMillis"));
            case "register" -> new Frame.Register(string(m, "queryId"), string(m, "sql"),
                    m.get("queryType") == null ? "SNAPSHOT_AND_CONTINUOUS" : string(m, "queryType"));
            case "unregister" -> new Frame.Unregister(string(m, "queryId"));
            case "ping" -> new Frame.Ping(optString(m, "nonce"));
            case "pong" -> new Frame.Pong(optString(m, "nonce"));
            case "snapshotBegin" -> new Frame.SnapshotBegin(string(m, "queryId"), schema(m.get("schema")));
            case "snapshotEnd" -> new Frame.SnapshotEnd(string(m, "queryId"));
            case "tupleAdded" -> tuple(Frame.TupleKind.ADDED, m);
            case "tupleUpdated" -> tuple(Frame.TupleKind.UPDATED, m);
            case "tupleRemoved" -> tuple(Frame.TupleKind.REMOVED, m);
            case "aggMarkBegin" -> new Frame.AggMarkBegin(number(m, "generation"));
            case "aggMarkEnd" -> new Frame.AggMarkEnd(number(m, "generation"));
            case "queryError" -> new Frame.QueryError(string(m, "queryId"), string(m, "code"), string(m, "message"));
            case "queryStatus" -> new Frame.QueryStatus(string(m, "queryId"), string(m, "status"), optString(m, "code"),
                    optString(m, "message"));
            case "error" -> new Frame.ConnectionError(string(m, "code"), string(m, "message"));
            default -> throw invalid("unknown frame type '" + s + "'; see docs/live-protocol.md for the frames");
        };
    }

    private static Frame.TupleFrame tuple(Frame.TupleKind kind, Map<?, ?> m) {
        return new Frame.TupleFrame(kind, string(m, "queryId"), list(m, "key"), list(m, "values"));
    }

    private static Frame.Schema schema(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            throw invalid("snapshotBegin needs an object \"schema\"");
        }
        List<Frame.Column> cols = new ArrayList<>();
        for (Object c : list(m, "columns")) {
            if (!(c instanceof Map<?, ?> cm)) {
                throw invalid("schema columns are objects {name, type}");
            }
            cols.add(new Frame.Column(string(cm, "name"), string(cm, "type")));
        }
        return new Frame.Schema(cols, strings(m, "keyColumns"), Boolean.TRUE.equals(m.get("ordered")));
    }

    private static String string(Map<?, ?> m, String field) {
        Object v = m.get(field);
        if (!(v instanceof String s)) {
            throw invalid("frame '" + m.get("type") + "' needs a string \"" + field + "\""
                    + (v == null ? "" : ", got " + describe(v)));
        }
        return s;
    }

    private static String optString(Map<?, ?> m, String field) {
        Object v = m.get(field);
        return v == null ? null : string(m, field);
    }

    private static long number(Map<?, ?> m, String field) {
        Object v = m.get(field);
        if (!(v instanceof Long l)) {
            throw invalid("frame '" + m.get("type") + "' needs an integer \"" + field + "\""
                    + (v == null ? "" : ", got " + describe(v)));
        }
        return l;
    }

    private static long optLong(Map<?, ?> m, String field) {
        return m.get(field) == null ? 0 : number(m, field);
    }

    private static int integer(Map<?, ?> m, String field) {
        long l = number(m, field);
        if (l < 0 || l > Integer.MAX_VALUE) {
            throw invalid("\"" + field + "\" must be a small positive integer, got " + l);
        }
        return (int) l;
    }

    private static List<Object> list(Map<?, ?> m, String field) {
        Object v = m.get(field);
        if (!(v instanceof List<?> l)) {
            throw invalid("frame '" + m.get("type") + "' needs an array \"" + field + "\""
                    + (v == null ? "" : ", got " + describe(v)));
        }
        return new ArrayList<>(l);
    }

    private static List<String> strings(Map<?, ?> m, String field) {
        Object v = m.get(field);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Object o : list(m, field)) {
            if (!(o instanceof String s)) {
                throw invalid("\"" + field + "\" holds strings only, got " + describe(o));
            }
            out.add(s);
        }
        return out;
    }

    private static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        return "a number";
    }

    private static ProtocolException invalid(String message) {
        return new ProtocolException(Protocol.INVALID_FRAME, message);
    }
}
