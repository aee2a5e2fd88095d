package io.tidemark.cluster;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TidemarkException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Encodes {@link LogRecord}s into Kafka record values and headers, and decodes them back. Every record has the
 * headers {@value #TYPE_HEADER} (the {@link LogRecord.Type} name) and {@value #VERSION_HEADER} (the encoding
 * version, {@value #VERSION}); values are the compact binary encoding of {@code docs/scale-out.md}, "Records":
 *
 * <pre>
 * BATCH   := nodeId:string  seconds:svar  nanos:uvar  parts:uvar  part{parts}
 * part    := archive:string  version:svar  length:uvar  rows (see Rows: delta timestamps, rtId dictionary,
 *            typed columns with null bitmaps)
 * CUT     := seconds:svar  nanos:uvar  upTo:svar  count:uvar  rejectedDelta:svar{count}  settingsHash:fixed64
 * ROLLUP  := archive:string  version:svar  from:svar  to:svar  piece:uvar  pieces:uvar
 *            columns:uvar  (name:string  type:u8){columns}  rows
 * ARCHIVE := archive:string  version:svar  change:u8 (1 created, 2 activated, 3 disabled, 4 deleted)
 * </pre>
 *
 * Stateless and thread-safe.
 */
public final class LogCodec {
    /** The header naming the record's type. */
    public static final String TYPE_HEADER = "tm-type";
    /** The header naming the value's encoding version. */
    public static final String VERSION_HEADER = "tm-v";
    /** The encoding version this code writes and the only one it reads. */
    public static final int VERSION = 1;

    private static final byte[] VERSION_BYTES = Integer.toString(VERSION).getBytes(StandardCharsets.US_ASCII);

    private LogCodec() {}

    /** An encoded record: its {@code tm-type} and the value's bytes. */
    public record Encoded(LogRecord.Type type, byte[] value) {
        /** The {@code tm-type} header's value. */
        public byte[] typeHeader() {
            return type.name().getBytes(StandardCharsets.US_ASCII);
        }

        /** The {@code tm-v} header's value. */
        public byte[] versionHeader() {
            return VERSION_BYTES.clone();
        }
    }

    /**
     * The record's value and headers.
     *
     * @throws TidemarkException {@code INVALID_BATCH} when a text (rtId, VARCHAR value, name) holds a lone surrogate,
     *     which UTF-8 cannot carry
     */
    public static Encoded encode(LogRecord record) {
        try {
            Wire.Out out = new Wire.Out(256);
            if (record instanceof LogRecord.Batch b) {
                encodeBatch(b, out);
            } else if (record instanceof LogRecord.Cut c) {
                encodeCut(c, out);
            } else if (record instanceof LogRecord.Rollup r) {
                encodeRollup(r, out);
            } else {
                encodeArchive((LogRecord.Archive) record, out);
            }
            return new Encoded(record.type(), out.toBytes());
        } catch (IllegalArgumentException e) {
            throw new TidemarkException(ErrorCode.INVALID_BATCH, "cannot append the " + record.type() + " record: "
                    + e.getMessage(), e);
        }
    }

    private static void encodeBatch(LogRecord.Batch b, Wire.Out out) {
        out.string(b.nodeId());
        instant(b.acceptedAt(), out);
        out.uvar(b.parts().size());
        for (BatchPart p : b.parts()) {
            SampleBatch rows = p.built();
            if (rows == null) {
                throw new IllegalArgumentException("part " + p + " was decoded, not built: append BatchPart.of(...)");
            }
            out.string(p.archive());
            out.svar(p.version());
            Wire.Out part = new Wire.Out(16 + rows.size() * 16);
            Rows.encode(rows, part);
            out.uvar(part.length());
            byte[] bytes = part.toBytes();
            out.bytes(bytes, 0, bytes.length);
        }
    }

    private static void encodeCut(LogRecord.Cut c, Wire.Out out) {
        instant(c.cutAt(), out);
        out.svar(c.upTo());
        out.uvar(c.rejected().size());
        long prev = 0;
        for (long o : c.rejected()) {
            out.svar(o - prev);
            prev = o;
        }
        out.fixed64(c.settingsHash());
    }

    private static void encodeRollup(LogRecord.Rollup r, Wire.Out out) {
        ArchiveDefinition def = r.rows().archive();
        out.string(def.name());
        out.svar(r.version());
        out.svar(r.fromMicros());
        out.svar(r.toMicros());
        out.uvar(r.piece());
        out.uvar(r.pieces());
        out.uvar(def.columns().size());
        for (Column c : def.columns()) {
            out.string(c.name());
            out.u8(Rows.tag(c.type()));
        }
        Rows.encode(r.rows(), out);
    }

    private static void encodeArchive(LogRecord.Archive a, Wire.Out out) {
        out.string(a.archive());
        out.svar(a.version());
        out.u8(a.change().ordinal() + 1);
    }

    private static void instant(Instant t, Wire.Out out) {
        out.svar(t.getEpochSecond());
        out.uvar(t.getNano());
    }

    /** {@link #decode(String, int, long, byte[], byte[], byte[])} of a consumed record. */
    public static LogRecord decode(ConsumerRecord<byte[], byte[]> record) {
        Headers h = record.headers();
        return decode(record.topic(), record.partition(), record.offset(), last(h, TYPE_HEADER),
                last(h, VERSION_HEADER), record.value());
    }

    private static byte[] last(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null ? null : h.value();
    }

    /**
     * The record at {@code topic-partition@offset} with these header values (null when absent) and value. A
     * {@code BATCH}'s parts keep their rows encoded until {@link BatchPart#rows} is given the definition.
     *
     * @throws LogFormatException for a missing or unknown {@code tm-v} or {@code tm-type}, or a value that does not
     *     decode; the message names {@code topic-partition@offset}
     */
    public static LogRecord decode(String topic, int partition, long offset, byte[] typeHeader, byte[] versionHeader,
            byte[] value) {
        String where = topic + "-" + partition + "@" + offset;
        String version = versionHeader == null ? null : new String(versionHeader, StandardCharsets.UTF_8);
        if (!Integer.toString(VERSION).equals(version)) {
            throw new LogFormatException(where, version == null ? "no " + VERSION_HEADER + " header"
                    : "encoding version " + VERSION_HEADER + "=" + version + " is unknown to this node (it reads "
                            + VERSION + "); upgrade this node before it reads this log");
        }
        LogRecord.Type type = type(where, typeHeader);
        if (value == null) {
            throw new LogFormatException(where, "a " + type + " record without a value");
        }
        try {
            Wire.In in = new Wire.In(value, 0, value.length);
            LogRecord r = switch (type) {
                case BATCH -> decodeBatch(in, value, where);
                case CUT -> decodeCut(in);
                case ROLLUP -> decodeRollup(in);
                case ARCHIVE -> decodeArchive(in);
            };
            if (!in.atEnd()) {
                throw new IllegalArgumentException(in.remaining() + " bytes left after the value");
            }
            return r;
        } catch (IllegalArgumentException | TidemarkException e) {
            if (e instanceof LogFormatException lfe) {
                throw lfe;
            }
            throw new LogFormatException(where, "the " + type + " value does not decode: " + e.getMessage(), e);
        }
    }

    private static LogRecord.Type type(String where, byte[] header) {
        if (header == null) {
            throw new LogFormatException(where, "no " + TYPE_HEADER + " header");
        }
        String name = new String(header, StandardCharsets.UTF_8);
        for (LogRecord.Type t : LogRecord.Type.values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new LogFormatException(where, "record type " + TYPE_HEADER + "=" + name
                + " is unknown to this node (it reads BATCH, CUT, ROLLUP, ARCHIVE); upgrade this node");
    }

    private static LogRecord.Batch decodeBatch(Wire.In in, byte[] value, String where) {
        String node = in.string();
        Instant at = instant(in);
        int n = in.count(in.remaining(), "part count");
        if (n == 0) {
            throw new IllegalArgumentException("a BATCH without parts");
        }
        List<BatchPart> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String archive = in.string();
            long version = in.svar();
            int len = in.count(Integer.MAX_VALUE, "part length");
            int from = in.position();
            in.skip(len);
            Wire.In rows = new Wire.In(value, from, from + len);
            int rowCount = rows.count(len, "row count");
            if (rowCount == 0) {
                throw new IllegalArgumentException("part " + i + " (archive '" + archive + "') holds no rows");
            }
            parts.add(BatchPart.decoded(archive, version, rowCount, value, from, from + len, where));
        }
        return new LogRecord.Batch(node, at, parts);
    }

    private static LogRecord.Cut decodeCut(Wire.In in) {
        Instant at = instant(in);
        long upTo = in.svar();
        int n = in.count(in.remaining(), "rejected count");
        List<Long> rejected = new ArrayList<>(n);
        long prev = 0;
        for (int i = 0; i < n; i++) {
            prev += in.svar();
            rejected.add(prev);
        }
        return new LogRecord.Cut(at, upTo, rejected, in.fixed64());
    }

    private static LogRecord.Rollup decodeRollup(Wire.In in) {
        String archive = in.string();
        long version = in.svar();
        long from = in.svar();
        long to = in.svar();
        int piece = in.count(Integer.MAX_VALUE, "piece");
        int pieces = in.count(Integer.MAX_VALUE, "pieces");
        int k = in.count(in.remaining(), "column count");
        List<Column> cols = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            cols.add(new Column(in.string(), Rows.type(in.u8())));
        }
        SampleBatch rows = Rows.decode(new ArchiveDefinition(archive, cols, null), in, false);
        return new LogRecord.Rollup(version, from, to, piece, pieces, rows);
    }

    private static LogRecord.Archive decodeArchive(Wire.In in) {
        String archive = in.string();
        long version = in.svar();
        int change = in.u8();
        LogRecord.Archive.Change[] all = LogRecord.Archive.Change.values();
        if (change < 1 || change > all.length) {
            throw new IllegalArgumentException("unknown archive change " + change);
        }
        return new LogRecord.Archive(archive, version, all[change - 1]);
    }

    private static Instant instant(Wire.In in) {
        long seconds = in.svar();
        long nanos = in.uvar();
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("nanoseconds " + nanos + " out of range");
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }
}
