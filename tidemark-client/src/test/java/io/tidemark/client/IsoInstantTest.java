package io.tidemark.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsoInstantTest {

    @Test
    void format_randomInstantsAndEdges_sameTextAsInstantToString() {
        IsoInstant iso = new IsoInstant();
        Random r = new Random(7);
        long[] seconds = {0, -1, 1, 86_399, 86_400, -62_167_219_200L, 253_402_300_799L, -62_167_219_201L,
                253_402_300_800L, 951_782_400L /* 2000-02-29 */, 1_700_000_000L};
        int[] nanos = {0, 1, 999_999_999, 1_000, 1_000_000, 120_000_000, 123_456_000, 123_456_789};
        for (long s : seconds) {
            for (int n : nanos) {
                Instant t = Instant.ofEpochSecond(s, n);
                assertThat(iso.format(t)).isEqualTo(t.toString());
            }
        }
        for (int i = 0; i < 20_000; i++) {
            long s = r.nextInt(3) == 0 ? 1_700_000_000L + r.nextInt(5) : r.nextLong() % 253_402_300_799L;
            int n = switch (r.nextInt(4)) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1_000;
                default -> r.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(s, n);
            assertThat(iso.format(t)).as("%s", t).isEqualTo(t.toString());
        }
    }
}
