package io.tidemark.server.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Where a CSV body stops being UTF-8, as a {@link BodyError} naming the row, its line and the header's column: run
 * only after the reader found the body invalid, so valid bodies pay nothing. The position is found by decoding the
 * body; the row and column by a quote-aware scan of the bytes before it, counting records as {@link CsvReader}
 * counts them (blank lines are no row).
 */
final class Utf8Errors {
    private Utf8Errors() {}

    /** The error for a body {@code b[0, len)} that is not UTF-8. */
    static BodyError csv(byte[] b, int len) {
        int bad = firstInvalid(b, len);
        int line = 1;
        int record = 0;
        int recordLine = 1;
        int field = 0;
        boolean quoted = false;
        boolean empty = true;
        int headerEnd = -1;
        for (int i = 0; i < bad; i++) {
            byte c = b[i];
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == '\n') {
                line++;
            }
            if (quoted) {
                empty = false;
                continue;
            }
            if (c == ',') {
                field++;
                empty = false;
            } else if (c == '\n') {
                if (!empty) {
                    if (record == 0) {
                        headerEnd = i;
                    }
                    record++;
                }
                field = 0;
                empty = true;
                recordLine = line;
            } else if (c != '\r') {
                empty = false;
            }
        }
        String reason = String.format(java.util.Locale.ROOT, "the body is not valid UTF-8: byte 0x%02X at line %d; "
                + "send CSV encoded as UTF-8", b[bad] & 0xff, line);
        if (record == 0) {
            return new BodyError(0, 1, null, reason + " (in the header)");
        }
        return new BodyError(record, recordLine, headerName(b, headerEnd, field), reason);
    }

    /** The first byte where decoding fails; {@code len - 1} when it only fails at the end. */
    private static int firstInvalid(byte[] b, int len) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, 0, len);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(8192);
        while (true) {
            java.nio.charset.CoderResult r = d.decode(in, out, true);
            if (r.isError()) {
                return in.position();
            }
            if (r.isUnderflow()) {
                return Math.max(0, len - 1);
            }
            out.clear();
        }
    }

    /** The header's {@code index}-th name (the header ends before {@code end}); null past its last. */
    private static String headerName(byte[] b, int end, int index) {
        String header = new String(b, 0, Math.max(0, end), StandardCharsets.UTF_8);
        String[] names = header.strip().split(",", -1);
        return index < names.length ? names[index].replace("\"", "").trim() : null;
    }

}
