package io.tidemark.cluster;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;

/**
 * A log record this node cannot read: an unknown {@code tm-v} or {@code tm-type}, a missing header, or a value that
 * does not decode. {@link ErrorCode#INVALID_STATE}: the log holds what this version of Tidemark does not know, and a
 * node does not act on it: the live follower counts, logs and skips it (the writer rejects it, and the next {@code CUT}
 * lists it). The message names the record as {@code topic-partition@offset}.
 */
public final class LogFormatException extends TidemarkException {
    private static final long serialVersionUID = 1L;

    LogFormatException(String record, String reason) {
        super(ErrorCode.INVALID_STATE, "log record " + record + ": " + reason);
    }

    LogFormatException(String record, String reason, Throwable cause) {
        super(ErrorCode.INVALID_STATE, "log record " + record + ": " + reason, cause);
    }
}
