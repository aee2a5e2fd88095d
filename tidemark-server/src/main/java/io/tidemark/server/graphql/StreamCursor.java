package io.tidemark.server.graphql;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.ReadRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * The opaque cursor of a stream data row: its (timestamp, rtId) key, which never changes, so paging by it loses
 * and repeats nothing while rows are added. The text is URL-safe base64 of {@code 1:<epoch micros>:<rtId>}; clients
 * must not build or read it. Shared by GraphQL {@code streamData} and the HTTP export, so a cursor of one resumes
 * the other.
 */
public final class StreamCursor {
    private static final String VERSION = "1";

    private StreamCursor() {}

    public static String encode(ReadRequest.Key key) {
        long micros = Math.addExact(Math.multiplyExact(key.timestamp().getEpochSecond(), 1_000_000L),
                key.timestamp().getNano() / 1000);
        String text = VERSION + ":" + micros + ":" + key.rtId();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws TidemarkException {@code INVALID_ARGUMENT} for text that no row's cursor has */
    public static ReadRequest.Key decode(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int a = text.indexOf(':');
            int b = text.indexOf(':', a + 1);
            if (a < 0 || b < 0 || !text.substring(0, a).equals(VERSION)) {
                throw new IllegalArgumentException(text);
            }
            long micros = Long.parseLong(text.substring(a + 1, b));
            Instant t = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                    Math.floorMod(micros, 1_000_000L) * 1000L);
            return new ReadRequest.Key(t, text.substring(b + 1));
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "after '" + shorten(cursor) + "' is not a cursor; "
                    + "pass the cursor of the last row of the previous page");
        }
    }

    private static String shorten(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
