package io.tidemark.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code tidemark serve} as a JVM of its own, for tests that stop, kill and restart real server processes
 * ({@link ServerProcesses} starts several). The process runs the test's own classpath
 * ({@code java.class.path}: the server's classes and dependencies as Maven built them) with the server's
 * {@code logback.xml} (not the tests', which would log to standard output), {@link #JVM_OPTIONS}, and no
 * {@code TIDEMARK_*} variable of the test's environment.
 *
 * <p>Ports: the first {@link #start()} passes {@code --port 0 --sql-port 0} and reads the bound ports from the line
 * {@code serve} prints ("Tidemark listening on …, SQL … on port N"); {@link #restart()} passes those ports again, so
 * clients configured with {@link #uri()} reach the restarted process. The caller's arguments must not name
 * {@code --port} or {@code --sql-port}.
 *
 * <p>Output: standard output goes to {@link #outFile()}, standard error (the server's log) to {@link #logFile()},
 * both appended across restarts; {@link #tail(int)} shows them, and every failed start, stop or kill throws with
 * the tail in its message.
 *
 * <p>Waits: a start returns once the process printed its listening line and {@code GET /health} answered 200, within
 * {@link #START_TIMEOUT}, or kills the process and throws. A {@link #stop()} waits {@link #STOP_TIMEOUT} for the JVM
 * to exit after SIGTERM, then kills it and throws. A {@link #kill()} ({@code kill -9} of the process and its
 * descendants) waits at most {@link #STOP_TIMEOUT}.
 *
 * <p>Not thread-safe: one test thread drives a node.
 */
final class NodeProcess {
    /**
     * The default JVM options, {@code -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}: three servers, a PostgreSQL
     * and the test's JVM share two cores, so the C1 compiler only and one GC thread. Start measured on the project's
     * 2-core machine while another build ran (load average 6.4 to 7.8), launch to {@code /health} 200, one server on a
     * new DuckDB store, three runs each: these options 2.9 to 4.7 s (six runs); {@code -XX:TieredStopAtLevel=1} alone
     * 2.7 to 3.0 s; {@code -Xmx256m} alone 6.9 to 9.8 s; no options 5.6 to 11.3 s. In {@code FaultThreeServersIT}
     * (PostgreSQL): three started side by side 4.9 to 5.4 s; a restart while writers load the other two 4.6 to 6.4 s.
     * SIGTERM to exit of an idle server: 0.1 s.
     */
    static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    /** The bound of a start, until the listening line and {@code /health} 200. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The bound of a stop (SIGTERM until the JVM exited) and of a kill. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern LISTENING = Pattern.compile("Tidemark listening on (http://\\S+)");
    private static final Pattern SQL_PORT = Pattern.compile("SQL \\(PostgreSQL protocol\\) on port (\\d+)");
    private static final Pattern TOKEN = Pattern.compile("(tmk_[A-Za-z0-9_-]+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final List<String> jvmOptions;
    private final List<String> args;
    private final Path outFile;
    private final Path logFile;
    private Process process;
    private URI uri;
    private int sqlPort;
    private String bootstrapToken;
    private Duration lastStart;
    /** Where the current run's standard output begins in {@link #outFile}, and when it was launched. */
    private long runOffset;
    private long launchedAt;

    /**
     * @param name names the output files ({@code <name>.out}, {@code <name>.log}) in {@code dir}
     * @param args {@code serve}'s arguments after the ports, e.g. {@code --jdbc-url …}, {@code --set k=v}
     */
    NodeProcess(String name, Path dir, List<String> args) {
        this(name, dir, JVM_OPTIONS, args);
    }

    /** A node with other JVM options than {@link #JVM_OPTIONS} (e.g. a larger heap). */
    NodeProcess(String name, Path dir, List<String> jvmOptions, List<String> args) {
        for (String a : args) {
            if (a.equals("--port") || a.equals("--sql-port") || a.startsWith("--port=") || a.startsWith("--sql-port=")) {
                throw new IllegalArgumentException("NodeProcess chooses the ports; remove " + a);
            }
        }
        this.name = name;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.args = List.copyOf(args);
        this.outFile = dir.resolve(name + ".out");
        this.logFile = dir.resolve(name + ".log");
    }

    String name() {
        return name;
    }

    /** The HTTP base URI, {@code http://127.0.0.1:<port>}; the same after a restart. Null before the first start. */
    URI uri() {
        return uri;
    }

    int port() {
        return uri.getPort();
    }

    /** The SQL (PostgreSQL protocol) port, or -1 when the server runs without it. */
    int sqlPort() {
        return sqlPort;
    }

    /** The admin token the first start printed (a store without tokens), if it printed one. */
    Optional<String> bootstrapToken() {
        return Optional.ofNullable(bootstrapToken);
    }

    /** How long the last start took, from launch to {@code /health} 200. */
    Duration lastStart() {
        return lastStart;
    }

    boolean isRunning() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    Path outFile() {
        return outFile;
    }

    Path logFile() {
        return logFile;
    }

    /** Launches on free ports and waits until it serves; see the class comment for the bound. */
    NodeProcess start() {
        return launch().awaitServing();
    }

    /**
     * Launches on free ports without waiting, so that several nodes start side by side; {@link #awaitServing()}
     * waits (the bound counts from here).
     */
    NodeProcess launch() {
        if (process != null) {
            throw new IllegalStateException(name + " was started already; use restart()");
        }
        launch(0, 0);
        return this;
    }

    /** Starts again on the same ports after {@link #stop()} or {@link #kill()}; returns once it serves. */
    NodeProcess restart() {
        if (isRunning()) {
            throw new IllegalStateException(name + " is running; stop or kill it first");
        }
        launch(port(), Math.max(sqlPort, 0));
        return awaitServing();
    }

    /**
     * SIGTERM (the server drains and closes), then waits up to {@link #STOP_TIMEOUT} for the JVM to exit; on timeout
     * kills it and throws. Returns the exit code.
     */
    int stop() {
        if (!isRunning()) {
            throw new IllegalStateException(name + " is not running");
        }
        process.destroy();
        if (waitForExit()) {
            return process.exitValue();
        }
        kill();
        throw new AssertionError(name + " did not exit within " + STOP_TIMEOUT + " of SIGTERM; killed it\n" + tail(40));
    }

    /** {@code kill -9} of the process (and any process it started); waits, bounded, until it is gone. */
    void kill() {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!waitForExit()) {
            throw new AssertionError(name + " (pid " + process.pid() + ") still alive " + STOP_TIMEOUT
                    + " after SIGKILL");
        }
    }

    /** The last {@code lines} lines of standard output and of the log, labelled, for a failure message. */
    String tail(int lines) {
        return "---- " + name + " standard output (" + outFile + ") ----\n" + tail(outFile, lines) + "---- " + name
                + " log (" + logFile + ") ----\n" + tail(logFile, lines);
    }

    private static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(none)\n";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            StringBuilder b = new StringBuilder();
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> b.append(l).append('\n'));
            return b.toString();
        } catch (IOException e) {
            return "(unreadable: " + e + ")\n";
        }
    }

    private boolean waitForExit() {
        try {
            return process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void launch(int port, int sql) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String logback = NodeProcess.class.getClassLoader().getResource("logback.xml").toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Dlogback.configurationFile=" + logback, "-cp", System.getProperty("java.class.path"),
                "io.tidemark.server.cli.TidemarkCli", "serve", "--port", Integer.toString(port), "--sql-port",
                Integer.toString(sql)));
        cmd.addAll(args);
        try {
            runOffset = Files.exists(outFile) ? Files.size(outFile) : 0;
            launchedAt = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.appendTo(
                    outFile.toFile())).redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            pb.environment().keySet().removeIf(k -> k.startsWith("TIDEMARK_"));
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + name, e);
        }
    }

    /**
     * Waits until the process launched last printed its listening line and {@code /health} answers 200, at most
     * {@link #START_TIMEOUT} from the launch; on timeout or exit kills it and throws with the output's tail.
     */
    NodeProcess awaitServing() {
        long deadline = launchedAt + START_TIMEOUT.toNanos();
        URI listening = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before it served\n"
                        + tail(60));
            }
            if (listening == null) {
                listening = readListening(runOffset);
            } else if (healthy(listening)) {
                uri = listening;
                lastStart = Duration.ofNanos(System.nanoTime() - launchedAt);
                return this;
            }
            pause(20);
        }
        kill();
        throw new AssertionError(name + " did not serve (listening line and /health 200) within " + START_TIMEOUT
                + "; killed it\n" + tail(60));
    }

    /** The URI of the listening line printed since {@code offset}, or null; also picks up the ports and the token. */
    private URI readListening(long offset) {
        String out;
        try {
            byte[] all = Files.readAllBytes(outFile);
            out = new String(all, (int) offset, all.length - (int) offset, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        Matcher m = LISTENING.matcher(out);
        if (!m.find() || out.indexOf('\n', m.start()) < 0) {
            return null; // the line is not complete yet
        }
        Matcher t = TOKEN.matcher(out.substring(0, m.start()));
        if (t.find()) {
            bootstrapToken = t.group(1);
        }
        Matcher s = SQL_PORT.matcher(out.substring(m.start()));
        sqlPort = s.find() ? Integer.parseInt(s.group(1)) : -1;
        return URI.create(m.group(1));
    }

    private static boolean healthy(URI base) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(2)).GET().build();
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return name + (uri == null ? "" : " " + uri) + (isRunning() ? " (pid " + process.pid() + ")" : " (stopped)");
    }
}
