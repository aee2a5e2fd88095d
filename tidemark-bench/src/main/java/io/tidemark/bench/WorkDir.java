package io.tidemark.bench;

import io.tidemark.server.cli.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a benchmark puts its databases: the {@code --dir} given, kept, or a temporary one removed at the end. */
final class WorkDir {
    /** A benchmark's body, run with its working directory. */
    interface Body {
        Integer run(Path work) throws Exception;
    }

    private WorkDir() {}

    /**
     * Runs {@code body} in {@code dir} (created if needed, kept), or with {@code dir} null in a new temporary directory
     * named after {@code prefix}, removed when the body ends however it ends.
     */
    static Integer run(Path dir, String prefix, Body body) throws Exception {
        if (dir != null) {
            return body.run(Files.createDirectories(dir));
        }
        Path work = Files.createTempDirectory(prefix);
        try {
            return body.run(work);
        } finally {
            TempDirs.delete(work, "tidemark bench");
        }
    }
}
