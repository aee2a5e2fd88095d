package io.tidemark.server.ingest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * A gzip request body, inflated as it is read. The gzip header is read on the first read, not on construction, so
 * the limit errors of the stream below surface from the parser like any other. An I/O error of the inflater (not
 * gzip, corrupt, truncated) becomes {@link BadGzip}; the stream below's own errors (its byte limit, a dropped
 * connection) pass unchanged. Not thread-safe.
 */
final class GzipBody extends InputStream {
    private final InputStream compressed;
    private GZIPInputStream inflated;

    /** The body is not valid gzip. */
    static final class BadGzip extends IOException {
        private static final long serialVersionUID = 1L;

        BadGzip(String why) {
            super("the body is sent with Content-Encoding: gzip but is not valid gzip (" + why + "); compress it "
                    + "with gzip or leave the header out");
        }
    }

    GzipBody(InputStream compressed) {
        this.compressed = compressed;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            if (inflated == null) {
                inflated = new GZIPInputStream(compressed, 8192);
            }
            return inflated.read(b, off, len);
        } catch (ZipException e) {
            throw new BadGzip(e.getMessage());
        } catch (EOFException e) {
            throw new BadGzip("it ends early");
        }
    }

    @Override
    public void close() throws IOException {
        compressed.close();
    }
}
