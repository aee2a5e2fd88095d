package io.tidemark.server.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidemark.server.ConfigResolver;
import io.tidemark.server.ServerConfig;
import io.tidemark.server.TidemarkServer;
import io.tidemark.server.mqtt.Mosquitto;
import io.tidemark.store.Store;
import io.tidemark.store.TestStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The section "MQTT" of docs/ingest.md, "Example: mosquitto", as a user runs it: every shell block with bash as written
 * ({@link DocsExamplesIT}'s rules: exit 0, no undocumented error response, the {@code # =>} lines printed), in page
 * order and one shell state, with the two long-running commands played by the test — {@code mosquitto -p 1883 &} by
 * Debian's mosquitto on a free port (the blocks' {@code -p 1883} and the properties' {@code :1883} pointed at it), and
 * {@code TIDEMARK_MQTT_TOKEN=$MQTT_TOKEN ./tidemark serve --config tidemark.properties} by a server on the same store
 * configured from the page's properties block and that environment variable, {@code localhost:8080} pointed at the
 * server. After a block that publishes, the test waits (bounded) until the server acknowledged as many messages as
 * the block published, as a user typing the next command would. Skipped, saying so, without mosquitto and
 * mosquitto_pub.
 */
class MqttDocsExampleIT {
    private static final Path PAGE = Path.of("..").toAbsolutePath().normalize().resolve("docs/ingest.md");
    private static final Pattern FENCE = Pattern.compile("^```\\s*([A-Za-z0-9_+-]*)\\s*$");
    private static final String BROKER = "mosquitto -p 1883 &";
    private static final String SERVE = "TIDEMARK_MQTT_TOKEN=$MQTT_TOKEN ./tidemark serve --config tidemark.properties";
    private static final Pattern MQTT_TOKEN = Pattern.compile("MQTT_TOKEN=\"(tmk_[A-Za-z0-9_-]+)\"");
    private static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir
    Path dir;

    private record Block(String language, String text, int line) {}

    @Test
    void mqttSection_runsAsWritten() throws Exception {
        boolean pub = Files.isExecutable(Path.of("/usr/bin/mosquitto_pub"));
        if (!Mosquitto.INSTALLED || !pub) {
            System.out.println(Mosquitto.SKIPPED + " (and mosquitto_pub, package mosquitto-clients)");
        }
        Assumptions.assumeTrue(Mosquitto.INSTALLED && pub, Mosquitto.SKIPPED);
        List<Block> blocks = blocks(Files.readString(PAGE), "## MQTT");
        List<Block> properties = blocks.stream().filter(b -> b.language().equals("properties")).toList();
        assertThat(properties).as("one properties block").hasSize(1);
        assertThat(blocks.get(0).text()).as("the first block starts the broker").startsWith(BROKER + "\n");

        Path shell = Files.createDirectories(dir.resolve("shell"));
        DocsExamplesIT.writeLauncher(shell.resolve("tidemark"));
        Path state = dir.resolve("state.sh");
        try (Mosquitto mosquitto = Mosquitto.start(dir.resolve("mosquitto"), null, null);
                Store store = TestStores.duckDb(dir.resolve("data"))) {
            String mqttPort = String.valueOf(mosquitto.port());
            TidemarkServer server = TidemarkServer.builder(ServerConfig.builder().host("127.0.0.1").port(0)
                    .sqlPort(0).build()).store(store).build().start();
            try {
                Files.writeString(state, "export TIDEMARK_TOKEN='" + server.bootstrapTokenIssued().orElseThrow()
                        .secret() + "'\n");
                boolean served = false;
                for (Block b : blocks) {
                    if (!b.language().isEmpty() && !b.language().equals("sh") && !b.language().equals("bash")) {
                        continue;
                    }
                    if (b.text().strip().equals(SERVE)) {
                        server.close();
                        server = serveWithMqtt(store, properties.get(0).text().replace(":1883", ":" + mqttPort),
                                mqttToken(state));
                        served = true;
                        continue;
                    }
                    boolean broker = b.text().startsWith(BROKER + "\n"); // played by the test's mosquitto
                    String text = broker ? b.text().substring(BROKER.length() + 1) : b.text();
                    int line = broker ? b.line() + 1 : b.line();
                    long before = acknowledged(server);
                    for (DocExamples.Step step : DocExamples.steps(PAGE.getFileName().toString(), "```sh\n" + text
                            + "```\n")) {
                        DocExamples.Step at = new DocExamples.Step("docs/ingest.md", line + step.line() - 2,
                                step.script().replace("-p 1883", "-p " + mqttPort), step.expected());
                        DocsExamplesIT.runStep(at, shell, state, String.valueOf(server.port()), "0");
                    }
                    int published = count(text, "mosquitto_pub ");
                    if (published > 0) {
                        TidemarkServer s = server;
                        await("the server acknowledged the " + published + " messages of the block on line "
                                + b.line()).atMost(WAIT).until(() -> acknowledged(s) == before + published);
                    }
                }
                assertThat(served).as("the page's serve command, %s", SERVE).isTrue();
            } finally {
                server.close();
            }
        }
    }

    /**
     * A server as {@code serve --config tidemark.properties} with {@code TIDEMARK_MQTT_TOKEN} set starts it: the file
     * read and resolved as serve does, then bound to free loopback ports.
     */
    private TidemarkServer serveWithMqtt(Store store, String properties, String token) throws IOException {
        Path file = dir.resolve("tidemark.properties");
        Files.writeString(file, properties);
        ServerConfig c = ConfigResolver.resolve(ConfigResolver.readFile(file), Map.of("TIDEMARK_MQTT_TOKEN", token),
                Map.of());
        TidemarkServer s = TidemarkServer.builder(c.toBuilder().host("127.0.0.1").port(0).sqlPort(0).build())
                .store(store).build().start();
        await("MQTT connected").atMost(WAIT).until(() -> s.mqtt().orElseThrow().connected());
        return s;
    }

    private static long acknowledged(TidemarkServer s) {
        return s.mqtt().map(m -> m.status().subscriptions().stream().mapToLong(x -> x.messages()).sum()).orElse(0L);
    }

    /** The writer token the page's shell exported as {@code MQTT_TOKEN}. */
    private static String mqttToken(Path state) throws IOException {
        Matcher m = MQTT_TOKEN.matcher(Files.readString(state));
        assertThat(m.find()).as("the page exported MQTT_TOKEN before starting serve").isTrue();
        return m.group(1);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** The fenced blocks of the section {@code heading} (to the next {@code ## }), with language and first line. */
    private static List<Block> blocks(String page, String heading) {
        String[] lines = page.split("\n", -1);
        List<Block> out = new ArrayList<>();
        boolean in = false;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("## ")) {
                in = lines[i].equals(heading);
                continue;
            }
            Matcher f = FENCE.matcher(lines[i]);
            if (!in || !f.matches()) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            int first = i + 2;
            for (i++; i < lines.length && !lines[i].strip().equals("```"); i++) {
                text.append(lines[i]).append('\n');
            }
            out.add(new Block(f.group(1).toLowerCase(java.util.Locale.ROOT), text.toString(), first));
        }
        assertThat(out).as("docs/ingest.md has a section %s with examples", heading).isNotEmpty();
        return out;
    }
}
