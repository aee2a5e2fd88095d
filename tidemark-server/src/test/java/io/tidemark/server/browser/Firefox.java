package io.tidemark.server.browser;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real headless Firefox ESR (Debian's {@code firefox-esr}) for the browser tests, driven over WebDriver BiDi by
 * puppeteer-core in Node.js ({@code src/test/firefox/bridge.mjs}): Debian has no geckodriver, and Selenium would
 * download one, so the tests talk to Firefox's own BiDi endpoint instead. Nothing is downloaded at run time but the
 * npm packages pinned by {@code src/test/firefox/package-lock.json}, which {@link #assumeInstalled()} installs once
 * into {@code target/firefox-driver} with {@code npm ci} from the npm registry.
 *
 * <p>Every wait is bounded: Firefox's start ({@link #START}), each page load ({@link Browser#PAGE_LOAD}), each
 * command ({@link Browser#COMMAND_TIMEOUT}) and each script (the timeout passed to {@link #await}); {@link #close()}
 * kills the Node process and its Firefox when they do not end in time.
 */
public final class Firefox implements ScriptBrowser {
    /** Debian's Firefox ESR launcher (package {@code firefox-esr}). */
    public static final Path FIREFOX = Path.of("/usr/bin/firefox-esr");
    /** Where the bridge and its npm packages live during the build. */
    public static final Path DRIVER_DIR = Path.of("target", "firefox-driver");
    /** The bridge's sources (test sources, not shipped). */
    public static final Path DRIVER_SOURCES = Path.of("src", "test", "firefox");
    /** How long Firefox may take to start and answer. */
    public static final Duration START = Duration.ofSeconds(60);
    /** Bound of {@code npm ci}. */
    public static final Duration NPM_INSTALL = Duration.ofSeconds(300);

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);
    private static volatile String unavailable;

    private final Process node;
    private final BufferedWriter requests;
    private final Path profile;
    private final String version;
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final List<String> stderr = new ArrayList<>();

    private Firefox(Process node, Path profile) {
        this.node = node;
        this.profile = profile;
        this.requests = new BufferedWriter(new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8));
        CompletableFuture<JsonNode> started = new CompletableFuture<>();
        pending.put(0L, started);
        Thread reader = new Thread(this::readResponses, "firefox-bridge-reader");
        reader.setDaemon(true);
        reader.start();
        Thread errors = new Thread(this::readErrors, "firefox-bridge-stderr");
        errors.setDaemon(true);
        errors.start();
        this.version = String.valueOf(unwrap(started, START, "starting Firefox"));
    }

    /**
     * Skips the calling test (JUnit assumption) unless Firefox ESR and Node.js 18+ are installed and the bridge's npm
     * packages are, or can be, installed; the message names what is missing. {@code .ci/run} installs
     * {@code firefox-esr} when missing.
     */
    public static synchronized void assumeInstalled() {
        if (unavailable == null) {
            unavailable = check().orElse("");
        }
        Assumptions.assumeTrue(unavailable.isEmpty(), unavailable);
    }

    private static Optional<String> check() {
        if (!Files.isExecutable(FIREFOX)) {
            return Optional.of("the Firefox tests need " + FIREFOX + " (Debian: apt-get install firefox-esr)");
        }
        String nodeVersion = output(List.of("node", "--version"), Duration.ofSeconds(20)).orElse("");
        if (!nodeVersion.matches("v(1[89]|[2-9][0-9])\\..*")) {
            return Optional.of("the Firefox tests need Node.js 18 or newer on the PATH (found: '" + nodeVersion + "')");
        }
        if (Files.isDirectory(DRIVER_DIR.resolve("node_modules").resolve("puppeteer-core"))) {
            return Optional.empty();
        }
        try {
            Files.createDirectories(DRIVER_DIR);
            for (String f : List.of("package.json", "package-lock.json")) {
                Files.copy(DRIVER_SOURCES.resolve(f), DRIVER_DIR.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            return Optional.of("could not prepare " + DRIVER_DIR + ": " + e);
        }
        Optional<String> npm = output(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix",
                DRIVER_DIR.toAbsolutePath().toString()), NPM_INSTALL);
        if (npm.isEmpty() || !Files.isDirectory(DRIVER_DIR.resolve("node_modules").resolve("puppeteer-core"))) {
            return Optional.of("the Firefox tests need puppeteer-core from the npm registry; 'npm ci' in " + DRIVER_DIR
                    + " failed: " + npm.orElse("(no output)"));
        }
        return Optional.empty();
    }

    /** The command's combined output when it exits 0 within {@code limit}; empty otherwise. */
    private static Optional<String> output(List<String> command, Duration limit) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                } catch (IOException e) {
                    return e.toString();
                }
            });
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return Optional.empty();
            }
            String text = out.get(10, TimeUnit.SECONDS);
            return p.exitValue() == 0 ? Optional.of(text) : Optional.empty();
        } catch (IOException | ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Starts the bridge and a headless Firefox with a new temporary profile, 1280×800. */
    public static Firefox start() {
        assumeInstalled();
        Path profile;
        try {
            profile = Files.createTempDirectory("tidemark-firefox-");
            Files.copy(DRIVER_SOURCES.resolve("bridge.mjs"), DRIVER_DIR.resolve("bridge.mjs"),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process node;
        try {
            node = new ProcessBuilder("node", "bridge.mjs", FIREFOX.toString(), profile.toAbsolutePath().toString())
                    .directory(DRIVER_DIR.toFile()).start();
        } catch (IOException e) {
            deleteQuietly(profile);
            throw new UncheckedIOException(e);
        }
        try {
            return new Firefox(node, profile);
        } catch (RuntimeException | Error e) {
            kill(node);
            deleteQuietly(profile);
            throw e;
        }
    }

    @Override
    public String name() {
        return "firefox";
    }

    /** The browser's own version string, e.g. {@code firefox/153.8.0esr}. */
    public String version() {
        return version;
    }

    @Override
    public void open(URI uri) {
        ObjectNode req = request("open");
        req.put("url", uri.toString());
        req.put("timeoutMs", Browser.PAGE_LOAD.toMillis());
        call(req, Browser.PAGE_LOAD.plusSeconds(10), "loading " + uri);
    }

    @Override
    public Object run(String script, Object... args) {
        ObjectNode req = request("run");
        req.put("script", script);
        req.set("args", JSON.valueToTree(args));
        return value(call(req, Browser.COMMAND_TIMEOUT, "a script"));
    }

    @Override
    public Object await(Duration timeout, String body, Object... args) {
        ObjectNode req = request("await");
        req.put("body", body);
        req.set("args", JSON.valueToTree(args));
        req.put("timeoutMs", timeout.toMillis());
        return value(call(req, timeout.plusSeconds(10), "an async script"));
    }

    @Override
    public List<String> consoleLog() {
        JsonNode lines = call(request("console"), Browser.COMMAND_TIMEOUT, "reading the console");
        List<String> out = new ArrayList<>();
        lines.forEach(l -> out.add(l.asText()));
        return out;
    }

    @Override
    public Path screenshot(String name) {
        try {
            Files.createDirectories(Browser.SCREENSHOTS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path file = Browser.SCREENSHOTS.resolve(name + ".png").toAbsolutePath();
        ObjectNode req = request("screenshot");
        req.put("path", file.toString());
        call(req, Browser.COMMAND_TIMEOUT, "a screenshot");
        return file;
    }

    /** Asks the bridge to close Firefox (bounded), then ends the Node process and its children in any case. */
    @Override
    public void close() {
        try {
            if (node.isAlive()) {
                call(request("close"), Duration.ofSeconds(30), "closing Firefox");
            }
        } catch (RuntimeException | AssertionError e) {
            System.err.println("Firefox: closing failed (" + e.getMessage() + "); killing the bridge");
        } finally {
            kill(node);
            deleteQuietly(profile);
        }
    }

    private ObjectNode request(String op) {
        ObjectNode req = JSON.createObjectNode();
        req.put("id", ids.incrementAndGet());
        req.put("op", op);
        return req;
    }

    private JsonNode call(ObjectNode req, Duration limit, String what) {
        long id = req.get("id").asLong();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            synchronized (requests) {
                requests.write(JSON.writeValueAsString(req));
                requests.write('\n');
                requests.flush();
            }
        } catch (IOException e) {
            pending.remove(id);
            throw new Browser.BrowserScriptError("Firefox bridge is gone (" + e + "); its stderr: " + stderr());
        }
        return unwrap(answer, limit, what);
    }

    private JsonNode unwrap(CompletableFuture<JsonNode> answer, Duration limit, String what) {
        JsonNode r;
        try {
            r = answer.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new Browser.BrowserScriptError("Firefox: " + what + " got no answer within " + limit
                    + "; bridge stderr: " + stderr());
        } catch (ExecutionException e) {
            throw new Browser.BrowserScriptError("Firefox: " + what + " failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Browser.BrowserScriptError("Firefox: interrupted during " + what);
        }
        if (r.has("error")) {
            throw new Browser.BrowserScriptError(r.get("error").asText());
        }
        return r.get("ok");
    }

    private void readResponses() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode r;
                try {
                    r = JSON.readTree(line);
                } catch (IOException e) {
                    synchronized (stderr) {
                        stderr.add("stdout: " + line);
                    }
                    continue;
                }
                CompletableFuture<JsonNode> f = pending.remove(r.path("id").asLong(-1));
                if (f != null) {
                    f.complete(r);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        String why = "the Firefox bridge exited; its stderr: " + stderr();
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException(why)));
        pending.clear();
    }

    private void readErrors() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(node.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (stderr) {
                    stderr.add(line);
                    if (stderr.size() > 200) {
                        stderr.remove(0);
                    }
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private String stderr() {
        synchronized (stderr) {
            return String.join("\n", stderr);
        }
    }

    /** A JSON answer as Selenium converts script results. */
    private static Object value(JsonNode v) {
        return v == null || v.isNull() ? null : JSON.convertValue(v, Object.class);
    }

    /** Waits (bounded) for the bridge to exit, then kills it and every process it started that is still alive. */
    private static void kill(Process p) {
        List<ProcessHandle> started = p.descendants().toList();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        p.destroyForcibly();
        started.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("Firefox: could not delete " + dir + ": " + e);
        }
    }
}
