package io.tidemark.sql.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that stops reading, and TLS: a raw socket and pgjdbc against a {@link PgWireServer} on DuckDB. */
class PgWireServerBoundsIT {
    private DuckDbBackend backend;

    @BeforeEach
    void start() throws Exception {
        backend = new DuckDbBackend();
    }

    @AfterEach
    void stop() throws Exception {
        backend.close();
    }

    @Test
    void clientThatStopsReading_holdsBackThePulls_andIsClosedAfterTheWriteTimeout() throws Exception {
        long total = 10_000_000;
        try (PgWireServer server = PgWireServer.builder(backend).port(0)
                .socketWriteTimeout(Duration.ofMillis(500)).start();
                Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setReceiveBufferSize(64 * 1024);
            ByteArrayOutputStream startup = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(startup);
            byte[] parameters = "user\0x\0database\0tidemark\0\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(8 + parameters.length);
            out.writeInt(196608);
            out.write(parameters);
            out.write(new Frontend().message('p', body -> Frontend.cstring(body, DuckDbBackend.PASSWORD))
                    .query("SELECT range FROM range(" + total + ")").toByteArray());
            socket.getOutputStream().write(startup.toByteArray());
            socket.getOutputStream().flush();

            await().atMost(Duration.ofSeconds(30)).until(() -> server.connectionCount() == 0);
            assertThat(backend.rowsPulled.get()).isPositive().isLessThan(total / 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.openSessions.get() == 0);
        }
    }

    @Test
    void tls_whenConfigured_isNegotiatedAndServesQueries(@TempDir Path dir) throws Exception {
        SSLContext context = selfSignedContext(dir);
        try (PgWireServer server = PgWireServer.builder(backend).port(0).sslContext(context).start()) {
            Properties properties = new Properties();
            properties.setProperty("user", "x");
            properties.setProperty("password", DuckDbBackend.PASSWORD);
            properties.setProperty("sslmode", "require");
            properties.setProperty("sslfactory", "org.postgresql.ssl.NonValidatingFactory");
            try (Connection connection = DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + server.port() + "/tidemark", properties);
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT 'over tls' AS s")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("over tls");
            }
            if (PgWireServerIT.Psql.installed()) {
                ProcessBuilder psql = new ProcessBuilder("psql", "-X", "-A", "-t", "-c", "SELECT 2",
                        "host=127.0.0.1 port=" + server.port() + " user=x dbname=tidemark sslmode=require");
                psql.environment().put("PGPASSWORD", DuckDbBackend.PASSWORD);
                psql.redirectErrorStream(true);
                Process process = psql.start();
                String output = new String(process.getInputStream().readAllBytes());
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(output).isEqualTo("2\n");
            }
        }
    }

    /** A key and self-signed certificate made by the JDK's keytool, in a PKCS12 store. */
    private static SSLContext selfSignedContext(Path dir) throws Exception {
        Path store = dir.resolve("server.p12");
        String keytool = System.getProperty("java.home") + File.separator + "bin" + File.separator + "keytool";
        Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            keyStore.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
