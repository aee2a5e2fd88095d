package io.tidemark.server.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code mosquitto} (package {@code mosquitto}) as a separate process on 127.0.0.1 and a free port, with a
 * configuration of its own: no persistence file, no limit on the messages queued for an offline session (its default,
 * 1,000, discards messages it already acknowledged to their publisher), and optionally one user name and password
 * (made with {@code mosquitto_passwd}). Tests skip when it is not installed ({@link #INSTALLED}).
 */
public final class Mosquitto implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    static final Path PASSWD = Path.of("/usr/bin/mosquitto_passwd");
    /** Whether Debian's mosquitto (and its mosquitto_passwd) is installed. */
    public static final boolean INSTALLED = Files.isExecutable(BINARY) && Files.isExecutable(PASSWD);
    public static final String SKIPPED = "Debian's mosquitto is not installed at " + BINARY + " (apt-get install "
            + "mosquitto): the tests against it are skipped";
    private static final Duration START = Duration.ofSeconds(20);
    private final Process process;
    private final int port;
    private final Path log;

    private Mosquitto(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts mosquitto and waits (at most 20 s) until it accepts connections.
     *
     * @param user with {@code password}, the only credentials accepted; null: anonymous clients are allowed
     */
    public static Mosquitto start(Path dir, String user, String password) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        int port = freePort();
        // Started as root, mosquitto would switch to the user mosquitto, who cannot read a JUnit temporary directory.
        String root = "root".equals(System.getProperty("user.name")) ? "user root\n" : "";
        StringBuilder conf = new StringBuilder(root + "listener " + port + " 127.0.0.1\n"
                + "persistence false\nmax_queued_messages 0\nlog_dest stderr\nlog_type error\nlog_type warning\n"
                + "log_type notice\n");
        if (user == null) {
            conf.append("allow_anonymous true\n");
        } else {
            Path passwords = dir.resolve("passwords");
            Process p = new ProcessBuilder(PASSWD.toString(), "-b", "-c", passwords.toString(), user, password)
                    .redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("mosquitto_passwd failed: " + new String(p.getInputStream().readAllBytes()));
            }
            conf.append("allow_anonymous false\npassword_file ").append(passwords).append('\n');
        }
        Path file = dir.resolve("mosquitto.conf");
        Files.writeString(file, conf.toString());
        Path log = dir.resolve("mosquitto.log");
        Process process = new ProcessBuilder(BINARY.toString(), "-c", file.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        Mosquitto m = new Mosquitto(process, port, log);
        long deadline = System.nanoTime() + START.toNanos();
        while (!m.accepts()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                m.close();
                throw new IOException("mosquitto did not start listening on " + port + " within " + START + ": "
                        + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return m;
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** {@code tcp://127.0.0.1:<port>}. */
    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** What mosquitto logged so far (errors, warnings, notices). */
    public String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
