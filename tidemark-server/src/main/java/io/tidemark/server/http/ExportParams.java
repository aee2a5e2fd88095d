package io.tidemark.server.http;

import io.tidemark.core.BatchLimits;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.graphql.StreamCursor;
import io.tidemark.store.ReadRequest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The query parameters of {@code GET /api/v1/archives/{archive}/samples}, validated: every refusal is
 * {@code INVALID_ARGUMENT} naming the parameter.
 *
 * @param csv true for {@code format=csv}, false for {@code ndjson} (the default)
 * @param rtIds the series to export ({@code rtId}, repeatable); empty for all
 * @param from the first instant, inclusive; the earliest storable instant (1900-01-01) when omitted
 * @param to the end, exclusive; the end of the storable range (2200-01-01) when omitted
 * @param limit most rows to return; 0 for no limit
 * @param after the key of the last row already received ({@code after}, a cursor); null to start at {@code from}
 */
record ExportParams(boolean csv, List<String> rtIds, Instant from, Instant to, long limit, ReadRequest.Key after) {
    static final Set<String> NAMES = Set.of("format", "from", "to", "rtId", "limit", "after");
    /** The longest rtId ingest accepts; a longer one cannot match a row. */
    private static final int MAX_RT_ID = BatchLimits.DEFAULT.maxRtIdLength();

    ExportParams {
        rtIds = List.copyOf(rtIds);
    }

    String format() {
        return csv ? "csv" : "ndjson";
    }

    /** Parses the query string's parameters (name to values, in order). */
    static ExportParams parse(Map<String, List<String>> query) {
        for (String name : query.keySet()) {
            if (!NAMES.contains(name)) {
                throw invalid(name, "is not a parameter of this endpoint; use " + String.join(", ", List.of("format",
                        "from", "to", "rtId (repeatable)", "limit", "after")));
            }
        }
        boolean csv = format(single(query, "format"));
        Instant from = instant(query, "from", BatchLimits.DEFAULT.minTimestamp());
        Instant to = instant(query, "to", BatchLimits.DEFAULT.maxTimestamp());
        if (!from.isBefore(to)) {
            throw invalid("to", "must be after from, got from=" + from + ", to=" + to);
        }
        List<String> rtIds = new ArrayList<>();
        for (String id : query.getOrDefault("rtId", List.of())) {
            if (id.isEmpty() || id.length() > MAX_RT_ID) {
                throw invalid("rtId", "must be 1 to " + MAX_RT_ID + " characters, got " + id.length());
            }
            rtIds.add(id);
        }
        String after = single(query, "after");
        ReadRequest.Key key = after == null ? null : StreamCursor.decode(after);
        return new ExportParams(csv, rtIds, from, to, limit(single(query, "limit")), key);
    }

    private static boolean format(String text) {
        if (text == null || text.equalsIgnoreCase("ndjson")) {
            return false;
        }
        if (text.equalsIgnoreCase("csv")) {
            return true;
        }
        throw invalid("format", "must be ndjson or csv, got '" + shorten(text) + "'");
    }

    private static Instant instant(Map<String, List<String>> query, String name, Instant dflt) {
        String text = single(query, name);
        if (text == null) {
            return dflt;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw invalid(name, "must be an ISO-8601 instant such as 2025-01-01T00:00:00Z (an offset's '+' sent as "
                    + "%2B), got '" + shorten(text) + "'");
        }
    }

    private static long limit(String text) {
        if (text == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(text);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below with the parameter's name
        }
        throw invalid("limit", "must be a whole number ≥ 1, got '" + shorten(text) + "'");
    }

    /** The parameter's value; null when absent; refused when given twice. */
    private static String single(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw invalid(name, "may be given once, got " + values.size() + " values");
        }
        return values.get(0);
    }

    private static TidemarkException invalid(String name, String what) {
        return new TidemarkException(ErrorCode.INVALID_ARGUMENT, "parameter '" + name + "' " + what);
    }

    private static String shorten(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
