package io.tidemark.server.ingest.fast;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RtIdsTest {
    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void of_sameBytesSameString_otherBytesOtherString_acrossGrowth() {
        RtIds ids = new RtIds();
        byte[] body = ascii("[sensor-1][sensor-2][sensor-1][]");
        String first = ids.of(body, 1, 9);
        assertThat(first).isEqualTo("sensor-1");
        assertThat(ids.of(body, 11, 19)).isEqualTo("sensor-2");
        assertThat(ids.of(body, 21, 29)).isSameAs(first);
        assertThat(ids.of(body, 31, 31)).isEmpty();
        for (int i = 0; i < 5_000; i++) {
            byte[] b = ascii("r" + i);
            assertThat(ids.of(b, 0, b.length)).isEqualTo("r" + i);
        }
        for (int i = 0; i < 5_000; i++) {
            byte[] b = ascii("r" + i);
            assertThat(ids.of(b, 0, b.length)).isSameAs(ids.of(ascii("r" + i), 0, b.length));
        }
        assertThat(ids.of(body, 21, 29)).isSameAs(first);
    }

    @Test
    void of_pastTheCacheLimit_stillTheRightText() {
        RtIds ids = new RtIds();
        for (int i = 0; i < RtIds.MAX_CACHED + 10; i++) {
            byte[] b = ascii("r" + i);
            assertThat(ids.of(b, 0, b.length)).isEqualTo("r" + i);
        }
        byte[] late = ascii("r" + (RtIds.MAX_CACHED + 5));
        assertThat(ids.of(late, 0, late.length)).isEqualTo("r" + (RtIds.MAX_CACHED + 5));
    }
}
