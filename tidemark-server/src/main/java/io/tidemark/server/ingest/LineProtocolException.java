package io.tidemark.server.ingest;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.ingest.fast.LineProtocol;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A line-protocol body that was refused as a whole; nothing was written. Code {@code INVALID_BATCH}; the message
 * names every reported line ({@code line N: …}), as InfluxDB's does.
 */
public final class LineProtocolException extends TidemarkException {
    private static final long serialVersionUID = 1L;
    private final transient List<LineProtocol.Error> errors;
    private final boolean malformed;

    /** @param malformed whether an error is a syntax error, rather than a value or measurement refused */
    public LineProtocolException(List<LineProtocol.Error> errors, boolean malformed) {
        super(ErrorCode.INVALID_BATCH, "line protocol rejected, nothing written: " + errors.stream()
                .map(LineProtocolException::text).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
        this.malformed = malformed;
    }

    /** One error for the body as a whole (line 0): empty, not gzip. */
    static LineProtocolException body(String reason, boolean malformed) {
        return new LineProtocolException(List.of(new LineProtocol.Error(0, null, null, reason)), malformed);
    }

    private static String text(LineProtocol.Error e) {
        StringBuilder sb = new StringBuilder();
        if (e.line() > 0) {
            sb.append("line ").append(e.line()).append(": ");
        }
        return sb.append(e.reason()).toString();
    }

    public List<LineProtocol.Error> errors() {
        return errors;
    }

    /** Whether the body did not parse (rather than its values or measurements being refused). */
    public boolean malformed() {
        return malformed;
    }

    /** Whether the body held no points at all. */
    public boolean empty() {
        return errors.size() == 1 && errors.get(0).line() == 0 && errors.get(0).reason().startsWith(EMPTY);
    }

    static final String EMPTY = "the body holds no points";
}
