package io.tidemark.server.ingest.fast;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * CSV read straight from the body's bytes, for bodies in a strict subset of what
 * {@link io.tidemark.server.ingest.CsvReader}'s Jackson path takes: printable ASCII without quotes or tabs, lines ended by a line feed (the last one may end the body), a
 * usable header, no empty line, every record as wide as the header; timestamps whole epoch milliseconds (at most 18
 * digits) or the plain UTC ISO form, numbers {@code -?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?}. For such a body it
 * gives the rows, values and lines the Jackson path gives; for anything else it gives up, and the Jackson path
 * reads the body instead. Not thread-safe: one instance per body.
 */
public final class FastCsv {
    /** A header line resolved as the reference reader resolves it, so both read the same columns. */
    @FunctionalInterface
    public interface Header {
        /**
         * Where each named field goes: -1 rtId, -2 timestamp, else the archive's column index; null for a header the
         * reference reader rejects (the fast path then gives up, and the reference reader reports it).
         */
        int[] targets(String[] names);
    }

    private final ArchiveDefinition archive;
    private final byte[] b;
    private final int len;
    private final Staged staged;
    private final char[] scratch;
    private final Numbers.Ascii ascii = new Numbers.Ascii();
    private final Numbers.Decimal number = new Numbers.Decimal();
    private final RtIds rtIds = new RtIds();
    private int pos;
    private int line;

    private FastCsv(ArchiveDefinition archive, byte[] b, int from, int to, int line) {
        this.archive = archive;
        this.b = b;
        this.pos = from;
        this.len = to;
        this.line = line;
        this.staged = new Staged(archive);
        this.scratch = new char[64];
    }

    /**
     * Reads the complete body {@code body[0, length)} and hands its rows to {@code rows}; returns the line each
     * began on, or null (and hands nothing) when the body is not in the subset this reads.
     *
     * @param header the reference reader's resolution of the header line
     */
    public static int[] read(ArchiveDefinition archive, byte[] body, int length, int maxRows, RowSink rows,
            Header header) {
        FastCsv head = new FastCsv(archive, body, 0, length, 1);
        int[] target = head.header(header);
        if (target == null) {
            return null;
        }
        int[] order = java.util.Arrays.stream(target).filter(t -> t >= 0).toArray();
        Staged[] halves = Halves.read(body, head.pos, length, (from, to) -> {
            FastCsv r = new FastCsv(archive, body, from, to, 1);
            return r.records(target, maxRows) ? r.staged : null;
        });
        if (halves == null || java.util.Arrays.stream(halves).mapToInt(Staged::rows).sum() > maxRows) {
            return null;
        }
        // The header is line 1: the records' lines count on from it.
        Staged headerLine = new Staged(archive);
        headerLine.endLine(2);
        Staged[] all = new Staged[halves.length + 1];
        all[0] = headerLine;
        System.arraycopy(halves, 0, all, 1, halves.length);
        return Halves.replay(all, rows, order);
    }

    private boolean records(int[] target, int maxRows) {
        Column[] columns = new Column[target.length];
        for (int i = 0; i < target.length; i++) {
            columns[i] = target[i] < 0 ? null : archive.columns().get(target[i]);
        }
        while (pos < len) {
            if (b[pos] == '\n' || b[pos] == '#' || staged.rows() >= maxRows) {
                return false; // an empty line, maybe a comment, or past the row limit: Jackson's to report
            }
            int r = staged.row(line);
            for (int i = 0; i < target.length; i++) {
                int end = field(target[i], columns[i], r, pos);
                boolean last = i == target.length - 1;
                if (end < 0 || (last ? end < len && b[end] != '\n' : end == len || b[end] != ',')) {
                    return false; // a byte outside the subset, or a record not as wide as the header
                }
                pos = end + 1;
            }
            line++;
        }
        staged.endLine(line);
        return true;
    }

    /** The header's field targets, resolved by {@code header}; null to give up. */
    private int[] header(Header header) {
        List<String> names = new ArrayList<>();
        while (true) {
            int end = fieldEnd(pos);
            if (end < 0 || end == len) {
                return null; // a header alone, without a line feed, is Jackson's to read
            }
            names.add(new String(b, pos, end - pos, StandardCharsets.ISO_8859_1));
            pos = end + 1;
            if (b[end] == '\n') {
                break;
            }
        }
        line++;
        return header.targets(names.toArray(new String[0]));
    }

    /** The index of the ',' or '\n' (or the end of the body) ending the field from {@code start}; -1 to give up. */
    private int fieldEnd(int start) {
        for (int i = start; i < len; i++) {
            byte c = b[i];
            if (c == ',' || c == '\n') {
                return i;
            }
            if (c < 0x20 || c == '"') { // bytes past ASCII are negative; no tab, no carriage return
                return -1;
            }
        }
        return len;
    }

    /** A field that ends a field: ',' or '\n', or the end of the body. */
    private boolean delimiter(int i) {
        return i == len || b[i] == ',' || b[i] == '\n';
    }

    /** Reads the field from {@code start} into row {@code r}; returns its end, or -1 to give up. */
    private int field(int target, Column column, int r, int start) {
        if (target == -1) {
            int end = fieldEnd(start);
            if (end >= 0) {
                staged.rtId(r, rtIds.of(b, start, end));
            }
            return end;
        }
        if (target == -2) {
            return timestamp(r, start);
        }
        if (delimiter(start)) {
            staged.nullValue(r, target);
            return start;
        }
        switch (column.type()) {
            case DOUBLE -> {
                int end = number.scan(b, start, len, false);
                if (end < 0 || !delimiter(end) || end - start > scratch.length) {
                    return -1;
                }
                staged.doubleValue(r, target, number.toDouble(b, start, end, scratch));
                return end;
            }
            case BIGINT -> {
                int end = number.scan(b, start, len, false);
                if (end < 0 || !delimiter(end) || !number.integer()
                        || number.intDigits() > Numbers.MAX_LONG_DIGITS) {
                    return -1;
                }
                staged.longValue(r, target, number.toLong());
                return end;
            }
            case BOOLEAN -> {
                int end = fieldEnd(start);
                if (end < 0) {
                    return -1;
                }
                String s = new String(b, start, end - start, StandardCharsets.ISO_8859_1);
                if (s.equalsIgnoreCase("true")) {
                    staged.objectValue(r, target, Boolean.TRUE);
                } else if (s.equalsIgnoreCase("false")) {
                    staged.objectValue(r, target, Boolean.FALSE);
                } else {
                    return -1;
                }
                return end;
            }
            case VARCHAR -> {
                int end = fieldEnd(start);
                if (end >= 0) {
                    staged.objectValue(r, target, new String(b, start, end - start, StandardCharsets.ISO_8859_1));
                }
                return end;
            }
            default -> {
                return -1;
            }
        }
    }

    private int timestamp(int r, int start) {
        if (delimiter(start)) {
            staged.noTimestamp(r);
            return start;
        }
        int end = number.scan(b, start, len, false);
        if (end >= 0 && delimiter(end) && number.integer()) {
            if (number.intDigits() > Numbers.MAX_LONG_DIGITS || !Numbers.millisFitMicros(number.toLong())) {
                return -1;
            }
            staged.micros(r, number.toLong() * 1000);
            return end;
        }
        end = fieldEnd(start);
        if (end < 0) {
            return -1;
        }
        long micros = PlainIso.plainIsoMicros(ascii.of(b, start, end));
        if (micros == PlainIso.NOT_PLAIN) {
            return -1;
        }
        staged.micros(r, micros);
        return end;
    }
}
