package io.tidemark.testing;

import java.util.Random;
import java.util.stream.LongStream;

/**
 * Seeds for randomized oracle tests: the fixed ones the test names (so CI always covers a known case) and one random
 * seed, printed so a failure can be replayed. {@code -Dtest.seed=N} runs only N.
 */
public final class Seeds {
    private Seeds() {}

    /** The fixed seeds and one random seed, or only {@code -Dtest.seed} when it is set. */
    public static LongStream fixedAndRandom(String test, long... fixed) {
        String given = System.getProperty("test.seed");
        if (given != null) {
            return LongStream.of(Long.parseLong(given.trim()));
        }
        long random = new Random().nextLong();
        System.out.println(test + ": random seed " + random + " (replay with -Dtest.seed=" + random + ")");
        return LongStream.concat(LongStream.of(fixed), LongStream.of(random));
    }
}
