package io.tidemark.server.ingest;

import io.tidemark.core.BatchLimits;
import io.tidemark.server.ingest.fast.LineProtocol;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an InfluxDB line-protocol body: whole into memory, then by {@link LineProtocol} straight into one validated
 * batch per measurement. Thread-safe (stateless).
 */
public final class LineProtocolReader {
    /** A body read whole: its bytes are {@code bytes[0, length)}. */
    public record Bytes(byte[] bytes, int length) {}

    /**
     * The body's bytes, read to its end.
     *
     * @throws IOException from the stream, including the limit's ({@link BodyLimits#isTooLarge}) and a gzip body's
     *     ({@link BodyLimits#isBadEncoding})
     */
    public Bytes readBody(InputStream in) throws IOException {
        Body body = Body.read(in);
        if (!body.complete()) {
            body.replay().transferTo(java.io.OutputStream.nullOutputStream()); // throws what ended the read
            throw new LimitedInputStream.TooLarge(body.length);
        }
        return new Bytes(body.bytes, body.length);
    }

    /**
     * The points of {@code body}, one validated batch per measurement.
     *
     * @param defaultMicros the timestamp of points without one: the receive time, epoch microseconds
     * @throws LineProtocolException naming up to {@value LineProtocol#MAX_ERRORS} bad lines, or the body holding no
     *     points; nothing may be written
     * @throws io.tidemark.core.TidemarkException {@code TOO_LARGE} past {@code limits.maxRows()} points; whatever
     *     {@code archives} throws
     */
    public LineProtocol.Parsed parse(Bytes body, LineProtocol.Archives archives, LineProtocol.Precision precision,
            long defaultMicros, BatchLimits limits) {
        LineProtocol.Parsed p = LineProtocol.read(body.bytes(), body.length(), archives, precision, defaultMicros,
                limits);
        if (!p.errors().isEmpty()) {
            throw new LineProtocolException(p.errors(), p.malformed());
        }
        if (p.points() == 0) {
            throw LineProtocolException.body(LineProtocolException.EMPTY + " (only blank lines and comments); send "
                    + "one point per line: measurement,tag=value field=1.5 1735689600000000000", false);
        }
        return p;
    }

    /** The error of a body that is not gzip though sent as such. */
    public static LineProtocolException badEncoding(IOException e) {
        return LineProtocolException.body(e.getMessage(), true);
    }
}
