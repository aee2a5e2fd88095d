package io.tidemark.server.mqtt;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * HiveMQ Community Edition embedded in the test JVM (MQTT 3.1.1 and 5, persistent sessions in memory): plain TCP on
 * 127.0.0.1 and, with a key store, TLS; optionally one user name and password, checked by an embedded extension.
 * Anonymous usage statistics off (nothing leaves the machine). Queues for offline sessions of {@link #MAX_QUEUE}
 * messages. The ports are free ones picked just before the start.
 */
public final class EmbeddedBroker implements AutoCloseable {
    /**
     * Messages queued for an offline persistent session, at most (HiveMQ's default is 1,000, past which it discards
     * messages it already acknowledged to their publisher): high enough that tests which stop Tidemark lose nothing.
     */
    static final long MAX_QUEUE = 1_000_000;
    private final EmbeddedHiveMQ hive;
    private final int port;
    private final int tlsPort;

    private EmbeddedBroker(EmbeddedHiveMQ hive, int port, int tlsPort) {
        this.hive = hive;
        this.port = port;
        this.tlsPort = tlsPort;
    }

    /** A broker anyone may use, plain TCP only. */
    public static EmbeddedBroker start(Path dir) throws Exception {
        return start(dir, null, null, null);
    }

    /**
     * @param keyStore a PKCS12 key store (password {@code changeit}) for a TLS listener, or null
     * @param user with {@code password}, the only credentials accepted; null: anyone
     */
    public static EmbeddedBroker start(Path dir, Path keyStore, String user, String password) throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path extensions = Files.createDirectories(dir.resolve("extensions"));
        int port = freePort();
        int tlsPort = keyStore == null ? -1 : freePort();
        String tls = keyStore == null ? "" : "<tls-tcp-listener><port>" + tlsPort + "</port><bind-address>127.0.0.1"
                + "</bind-address><tls><keystore><path>" + keyStore + "</path><password>changeit</password>"
                + "<private-key-password>changeit</private-key-password></keystore></tls></tls-tcp-listener>";
        Files.writeString(conf.resolve("config.xml"), "<?xml version=\"1.0\"?>\n<hivemq><listeners><tcp-listener><port>"
                + port + "</port><bind-address>127.0.0.1</bind-address></tcp-listener>" + tls + "</listeners>"
                + "<mqtt><queued-messages><max-queue-size>" + MAX_QUEUE + "</max-queue-size></queued-messages></mqtt>"
                + "<persistence><mode>in-memory</mode></persistence>"
                + "<anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics></hivemq>\n");
        EmbeddedExtension auth = EmbeddedExtension.builder().withId("tidemark-test-auth").withName("test auth")
                .withVersion("1").withAuthor("tidemark").withPriority(0).withStartPriority(1000)
                .withExtensionMain(new Auth(user, password)).build();
        EmbeddedHiveMQ hive = EmbeddedHiveMQ.builder().withConfigurationFolder(conf).withDataFolder(data)
                .withExtensionsFolder(extensions).withEmbeddedExtension(auth).withoutLoggingBootstrap().build();
        try {
            hive.start().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            hive.close();
            throw e;
        }
        return new EmbeddedBroker(hive, port, tlsPort);
    }

    public int port() {
        return port;
    }

    /** {@code tcp://127.0.0.1:<port>}. */
    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** {@code ssl://localhost:<tls port>}; the certificate is made for {@code localhost}. */
    public String tlsUrl() {
        return "ssl://localhost:" + tlsPort;
    }

    @Override
    public void close() throws Exception {
        hive.stop().get(60, TimeUnit.SECONDS);
        hive.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static final class Auth implements ExtensionMain {
        private final String user;
        private final String password;

        Auth(String user, String password) {
            this.user = user;
            this.password = password;
        }

        @Override
        public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) {
            Services.securityRegistry().setAuthenticatorProvider(input -> (SimpleAuthenticator) (auth, result) -> {
                if (user == null) {
                    result.authenticateSuccessfully();
                    return;
                }
                String u = auth.getConnectPacket().getUserName().orElse(null);
                String p = auth.getConnectPacket().getPassword().map(EmbeddedBroker::text).orElse(null);
                if (user.equals(u) && password.equals(p)) {
                    result.authenticateSuccessfully();
                } else {
                    result.failAuthentication("bad user name or password");
                }
            });
        }

        @Override
        public void extensionStop(ExtensionStopInput in, ExtensionStopOutput out) {
            // nothing to release
        }
    }

    private static String text(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] bytes = new byte[d.remaining()];
        d.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
