package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a tenant may see of an error: a stable code, a plain message and, for a fault, an error id. The one place a
 * store or internal exception is turned into something a response, a rollup's {@code lastError}, an audit entry or a
 * live frame carries: {@link #report} logs the full exception (driver message, SQL, stack trace) under the id and
 * returns a message without any of it, so a tenant never sees engine SQL, schema names or driver text and an
 * operator finds the details by the id.
 *
 * <p>Errors a user can cause ({@link TidemarkException}s with any code but {@code STORE_ERROR},
 * {@code STORE_UNAVAILABLE}, {@code LOG_UNAVAILABLE} and {@code INTERNAL}) carry messages Tidemark wrote for the user; they pass unchanged,
 * without an id and without a log line.
 *
 * @param errorId the id the full error was logged under (logger {@code io.tidemark.store.PublicError}, key
 *     {@code errorId}); null for errors a user caused
 */
public record PublicError(ErrorCode code, String message, String errorId) {
    private static final Logger LOG = LoggerFactory.getLogger(PublicError.class);

    /**
     * The public form of {@code error}; a fault is logged with its stack trace under a new error id (a
     * {@code STORE_UNAVAILABLE} or {@code LOG_UNAVAILABLE} at WARN, others at ERROR).
     *
     * @param context what was being done, for the log line only ("ingest default/plant", "rollup default.ch_1h")
     */
    public static PublicError report(String context, Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        ErrorCode code = e instanceof TidemarkException t ? t.code() : ErrorCode.INTERNAL;
        if (!isFault(code)) {
            return new PublicError(code, e.getMessage(), null);
        }
        String id = newId();
        if (code == ErrorCode.STORE_UNAVAILABLE) {
            LOG.atWarn().setCause(e).addKeyValue("errorId", id).addKeyValue("context", context)
                    .log("the store is unavailable");
        } else if (code == ErrorCode.LOG_UNAVAILABLE) {
            LOG.atWarn().setCause(e).addKeyValue("errorId", id).addKeyValue("context", context)
                    .log("the ingest log is unavailable");
        } else {
            LOG.atError().setCause(e).addKeyValue("errorId", id).addKeyValue("context", context).log("fault");
        }
        return new PublicError(code, plainMessage(code), id);
    }

    /** Whether errors of {@code code} are faults whose details stay in the log. */
    public static boolean isFault(ErrorCode code) {
        return code == ErrorCode.STORE_ERROR || code == ErrorCode.STORE_UNAVAILABLE || code == ErrorCode.INTERNAL
                || code == ErrorCode.LOG_UNAVAILABLE;
    }

    /** One line: {@code CODE: message (error id …)}, or {@code CODE: message} without an id. */
    public String text() {
        return code + ": " + message + (errorId == null ? "" : " (error id " + errorId + ")");
    }

    private static String plainMessage(ErrorCode code) {
        return switch (code) {
            case STORE_UNAVAILABLE -> "the store is unavailable or did not answer in time; retry later";
            case LOG_UNAVAILABLE -> "the ingest log did not acknowledge the batch in time; it may or may not have been "
                    + "taken: re-send it (a re-sent sample replaces itself)";
            case STORE_ERROR -> "a store statement failed; the server log has the details under the error id";
            default -> "internal error; the server log has the details under the error id";
        };
    }

    private static String newId() {
        return String.format(Locale.ROOT, "%012x", ThreadLocalRandom.current().nextLong() & 0xffff_ffff_ffffL);
    }
}
