package io.tidemark.server.cli;

import io.tidemark.core.TidemarkException;
import picocli.CommandLine;

/** How the CLI reports failures: a user's mistake as one line with its code; anything else with its trace. */
final class CliErrors {
    static final int USER_ERROR = 2;
    static final int INTERNAL_ERROR = 1;

    private CliErrors() {}

    static int report(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (e instanceof TidemarkException t) {
            cmd.getErr().println("tidemark: " + t.code() + ": " + t.getMessage());
            return USER_ERROR;
        }
        cmd.getErr().println("tidemark: internal error: " + e);
        e.printStackTrace(cmd.getErr());
        return INTERNAL_ERROR;
    }
}
