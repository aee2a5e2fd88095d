package io.tidemark.server;

import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.ingest.MalformedBodyException;
import java.util.Locale;

/**
 * Why an ingest request was refused: the {@code reason} tag of {@code tidemark_ingest_batches_total{result="rejected"}}.
 * A fixed set, so the metric's series stay bounded.
 */
public enum IngestRejection {
    /** The body could not be read: syntax, encoding, a bad header, a field or object where none may be. */
    MALFORMED,
    /** The body was read, its values were refused: types, unknown columns, rtIds, timestamps. */
    INVALID_VALUES,
    /** The body holds no samples. */
    EMPTY,
    /** Over the byte or row limit (413). */
    TOO_LARGE,
    /** A content type or content encoding the server does not take (415). */
    UNSUPPORTED_MEDIA,
    /** The token's role may not ingest (403). */
    FORBIDDEN,
    /** No such archive (404). */
    NOT_FOUND,
    /** A rollup archive, or one not ACTIVATED (409). */
    ARCHIVE_STATE,
    /** The server is shutting down or the store does not answer (503). */
    UNAVAILABLE,
    /** Anything else, the server's fault included. */
    OTHER;

    /** The tag value: the name in lower case. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The reason of a refusal. */
    public static IngestRejection of(TidemarkException e) {
        if (e instanceof BatchRejectedException) {
            return INVALID_VALUES;
        }
        if (e instanceof io.tidemark.server.ingest.LineProtocolException l) {
            return l.empty() ? EMPTY : l.malformed() ? MALFORMED : INVALID_VALUES;
        }
        if (e instanceof MalformedBodyException m) {
            if (m.valuesRefused()) {
                return INVALID_VALUES;
            }
            return m.errors().size() == 1 && m.errors().get(0).reason().startsWith("the body holds no samples")
                    ? EMPTY : MALFORMED;
        }
        return switch (e.code()) {
            case INVALID_BATCH -> INVALID_VALUES;
            case TOO_LARGE -> TOO_LARGE;
            case INVALID_ARGUMENT -> UNSUPPORTED_MEDIA;
            case FORBIDDEN -> FORBIDDEN;
            case NOT_FOUND -> NOT_FOUND;
            case INVALID_STATE -> ARCHIVE_STATE;
            case UNAVAILABLE, STORE_UNAVAILABLE, LOG_UNAVAILABLE -> UNAVAILABLE;
            default -> OTHER;
        };
    }
}
