package io.tidemark.server.ingest;

import io.tidemark.core.BatchLimits;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.io.InputStream;

/** The size limits of ingest bodies and the errors that report them. */
public final class BodyLimits {
    private BodyLimits() {}

    /** {@code TOO_LARGE}: more samples than {@code max}; the readers' name for {@link BatchLimits#tooManyRows}. */
    public static TidemarkException tooManyRows(int max) {
        return BatchLimits.tooManyRows(max);
    }

    /** {@code TOO_LARGE}: a body over {@code max} bytes. */
    public static TidemarkException tooManyBytes(long max) {
        return new TidemarkException(ErrorCode.TOO_LARGE, "the body is larger than " + max
                + " bytes, the limit per request; split it into smaller batches");
    }

    /** {@code in}, failing with {@link #tooManyBytes} (as an IOException) past {@code max} bytes. */
    public static InputStream limit(InputStream in, long max) {
        return new LimitedInputStream(in, max);
    }

    /**
     * {@code in} inflated as gzip; a body that is not gzip, or ends inside the stream, fails with an I/O error for
     * which {@link #isBadEncoding} holds. Nothing is read before the first read.
     */
    public static InputStream gunzip(InputStream in) {
        return new GzipBody(in);
    }

    /** Whether an I/O error is a body that does not decode by its {@code Content-Encoding}. */
    public static boolean isBadEncoding(Throwable e) {
        return e instanceof GzipBody.BadGzip;
    }

    /** Whether an I/O error is the limit of {@link #limit} being hit. */
    public static boolean isTooLarge(Throwable e) {
        return e instanceof LimitedInputStream.TooLarge;
    }
}
