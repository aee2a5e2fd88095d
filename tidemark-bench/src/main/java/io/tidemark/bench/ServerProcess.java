package io.tidemark.bench;

import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code tidemark serve} as a JVM of its own (the bench's classpath, which holds the server's), so that
 * {@code bench cluster} can {@code kill -9} it: {@code --port 0 --sql-port 0} and the caller's arguments; standard
 * output to {@code <name>.out}, the server's log to {@code <name>.log} in the directory given. {@link #start} returns
 * once the listening line was printed and {@code GET /health} answered 200, within {@link #START_TIMEOUT}, or kills
 * it and throws. Not thread-safe.
 */
final class ServerProcess implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("Tidemark listening on (http://\\S+)");
    private static final Pattern TOKEN = Pattern.compile("(tmk_[A-Za-z0-9_-]+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final Path out;
    private final Process process;
    private final long launched;
    private URI uri;
    private String token;

    private ServerProcess(String name, Path out, Process process, long launched) {
        this.name = name;
        this.out = out;
        this.process = process;
        this.launched = launched;
    }

    /** Launches without waiting (several start side by side); {@link #awaitServing} waits. */
    static ServerProcess launch(String name, Path dir, List<String> jvmOptions, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.tidemark.server.cli.TidemarkCli", "serve",
                "--port", "0", "--sql-port", "0"));
        cmd.addAll(args);
        Path out = dir.resolve(name + ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(dir.resolve(name + ".log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TIDEMARK_"));
        return new ServerProcess(name, out, pb.start(), System.nanoTime());
    }

    /** Waits until it serves; see the class comment. */
    ServerProcess awaitServing() throws InterruptedException {
        long deadline = launched + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it served; "
                        + "see " + out + " and its .log");
            }
            if (uri == null) {
                readListening();
            } else if (healthy()) {
                return this;
            }
            Thread.sleep(20);
        }
        kill();
        throw new IllegalStateException(name + " did not serve within " + START_TIMEOUT + "; see " + out);
    }

    String name() {
        return name;
    }

    URI uri() {
        return uri;
    }

    /** The admin token the server printed at its first start on a store without tokens, or null. */
    String bootstrapToken() {
        return token;
    }

    boolean isRunning() {
        return process.isAlive();
    }

    /** {@code GET path} (e.g. {@code /metrics}) as text; null when the server does not answer. */
    String get(String path) throws InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri.resolve(path))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code kill -9}, waited for (bounded). */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then {@code kill -9} after 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    private void readListening() {
        String text;
        try {
            text = Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return;
        }
        Matcher m = LISTENING.matcher(text);
        if (m.find() && text.indexOf('\n', m.start()) >= 0) {
            Matcher t = TOKEN.matcher(text.substring(0, m.start()));
            token = t.find() ? t.group(1) : null;
            uri = URI.create(m.group(1));
        }
    }

    private boolean healthy() throws InterruptedException {
        return get("/health") != null;
    }
}
