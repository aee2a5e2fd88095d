package io.tidemark.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Temporary data directories of the commands that make their own ({@code demo}, {@code example}, the benchmarks):
 * removed when the command ends, so repeated runs do not fill the disk (a {@code bench rollup} run leaves about a
 * gigabyte).
 */
public final class TempDirs {
    private TempDirs() {}

    /** Deletes {@code dir} and everything under it; a failure is reported on standard error, never thrown. */
    public static void delete(Path dir, String who) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println(who + ": could not remove " + dir + ": " + e);
        }
    }
}
