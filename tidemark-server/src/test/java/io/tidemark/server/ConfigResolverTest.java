package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigResolverTest {

    @Test
    void resolve_nothingSet_documentedDefaults() {
        ServerConfig c = ConfigResolver.resolve(Map.of(), Map.of(), Map.of());
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.storeConfig().jdbcUrl()).startsWith("jdbc:duckdb:").endsWith("data/tidemark.duckdb");
        assertThat(c.ingestMaxBytes()).isEqualTo(64L << 20);
        assertThat(c.rollupInterval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void resolve_allLayers_flagsOverEnvOverFile() {
        Map<String, String> file = Map.of("port", "1", "ingest.max-rows", "10", "rollup.interval", "PT1M",
                "host", "0.0.0.0");
        Map<String, String> env = Map.of("TIDEMARK_PORT", "2", "TIDEMARK_INGEST_MAX_ROWS", "20",
                "TIDEMARK_JAVA_OPTS", "-Xmx1g");
        Map<String, String> flags = Map.of("port", "3");
        ServerConfig c = ConfigResolver.resolve(file, env, flags);
        assertThat(c.port()).isEqualTo(3);
        assertThat(c.ingestMaxRows()).isEqualTo(20);
        assertThat(c.rollupInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.host()).isEqualTo("0.0.0.0");
    }

    @Test
    void resolve_sizesAndShortDurations_parsed() {
        ServerConfig c = ConfigResolver.resolve(Map.of("ingest.max-bytes", "10MB", "graphql.max-bytes", "512KiB",
                "shutdown.timeout", "500ms"), Map.of(), Map.of());
        assertThat(c.ingestMaxBytes()).isEqualTo(10_000_000L);
        assertThat(c.graphqlMaxBytes()).isEqualTo(512 * 1024);
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void resolve_unknownKeyInFileOrBadValue_invalidArgumentNamingIt() {
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of("prot", "1"), Map.of(), Map.of()))
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("prot", "port");
                });
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of("TIDEMARK_PORT", "eighty"), Map.of()))
                .hasMessageContaining("port").hasMessageContaining("eighty");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of(), Map.of("port", "70000")))
                .hasMessageContaining("0..65535");
    }

    @Test
    void resolve_ingestFastPath_onByDefault_offFromFileOrEnvironment() {
        assertThat(ConfigResolver.resolve(Map.of(), Map.of(), Map.of()).ingestFastPath()).isTrue();
        assertThat(ConfigResolver.resolve(Map.of("ingest.fast-path", "false"), Map.of(), Map.of()).ingestFastPath())
                .isFalse();
        assertThat(ConfigResolver.resolve(Map.of(), Map.of("TIDEMARK_INGEST_FAST_PATH", "false"), Map.of())
                .ingestFastPath()).isFalse();
        assertThat(ServerConfig.builder().ingestFastPath(false).build().toBuilder().build().ingestFastPath()).isFalse();
    }

    @Test
    void resolve_sqlKeys_defaultsAndEveryKeyParsed() {
        ServerConfig.Sql d = ConfigResolver.resolve(Map.of(), Map.of(), Map.of()).sql();
        assertThat(d).isEqualTo(ServerConfig.Sql.DEFAULT);
        assertThat(List.of(d.enabled(), d.port(), d.statementTimeout(), d.maxResultBytes(),
                d.maxConcurrentStatementsPerTenant(), d.maxConnections(), d.idleTimeout(), d.tls()))
                .containsExactly(true, 5433, Duration.ofSeconds(30), 1L << 30, 8, 64, Duration.ofMinutes(30), false);

        ServerConfig.Sql c = ConfigResolver.resolve(Map.of("sql.port", "6543", "sql.statement-timeout", "5s",
                "sql.max-result-bytes", "10MiB", "sql.max-concurrent-statements-per-tenant", "2",
                "sql.max-connections", "3", "sql.idle-timeout", "0s", "sql.tls.key", "/k.pem"),
                Map.of("TIDEMARK_SQL_TLS_CERTIFICATE", "/c.pem"), Map.of("sql.enabled", "false")).sql();
        assertThat(List.of(c.enabled(), c.port(), c.statementTimeout(), c.maxResultBytes(),
                c.maxConcurrentStatementsPerTenant(), c.maxConnections(), c.idleTimeout(), c.tlsKey(),
                c.tlsCertificate())).containsExactly(false, 6543, Duration.ofSeconds(5), 10L << 20, 2, 3,
                        Duration.ZERO, Path.of("/k.pem"), Path.of("/c.pem"));
        assertThat(ServerConfig.builder().sqlPort(7).build().toBuilder().build().sql().port()).isEqualTo(7);
    }

    @Test
    void resolve_sqlTlsKeyWithoutCertificateOrPortOfHttp_invalidArgumentNamingTheKey() {
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of("sql.tls.key", "/k.pem"), Map.of(), Map.of()))
                .hasMessageContaining("sql.tls.certificate");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of("port", "5433"), Map.of(), Map.of()))
                .hasMessageContaining("sql.port").hasMessageContaining("HTTP port");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of("sql.statement-timeout", "0s"), Map.of(), Map.of()))
                .hasMessageContaining("sql.statement-timeout");
        assertThat(ConfigResolver.resolve(Map.of("port", "5433", "sql.enabled", "false"), Map.of(), Map.of()).port())
                .as("the same port is fine with SQL off").isEqualTo(5433);
    }

    @Test
    void readFile_propertiesFile_keysAsWritten(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("tidemark.properties");
        Files.writeString(f, "# comment\nport = 9090\njdbc.url=jdbc:postgresql://db/tm\n");
        ServerConfig c = ConfigResolver.resolve(ConfigResolver.readFile(f), Map.of(), Map.of());
        assertThat(c.port()).isEqualTo(9090);
        assertThat(c.storeConfig().jdbcUrl()).isEqualTo("jdbc:postgresql://db/tm");
    }

    @Test
    void envName_keyUpperCasedWithUnderscores() {
        assertThat(ConfigKey.INGEST_MAX_BYTES.envName()).isEqualTo("TIDEMARK_INGEST_MAX_BYTES");
        assertThat(ConfigKey.JDBC_URL.envName()).isEqualTo("TIDEMARK_JDBC_URL");
    }

    @Test
    void resolve_clusterKeys_offByDefault_everyKeyFromFileEnvAndFlags() {
        ServerConfig off = ConfigResolver.resolve(Map.of(), Map.of(), Map.of());
        assertThat(off.cluster().enabled()).isFalse();
        assertThat(off.cluster().topic()).isEqualTo("tidemark.ingest");
        assertThat(off.cluster().partitions()).isEqualTo(12);
        assertThat(off.cluster().produceTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(off.cluster().maxRecordBytes()).isEqualTo(8 << 20);

        Map<String, String> file = Map.of("cluster.kafka", "k1:9092", "cluster.topic", "t.file",
                "cluster.partitions", "6", "cluster.kafka.security.protocol", "SSL",
                "cluster.kafka.ssl.truststore.location", "/etc/ts.jks");
        Map<String, String> env = Map.of("TIDEMARK_CLUSTER_KAFKA", "k2:9092,k3:9092", "TIDEMARK_CLUSTER_GROUP", "g",
                "TIDEMARK_CLUSTER_PRODUCE_TIMEOUT", "2s", "TIDEMARK_CLUSTER_LINGER", "5ms");
        Map<String, String> flags = Map.of("cluster.node-id", "n1", "cluster.max-record-bytes", "1MiB",
                "cluster.replication-factor", "1", "cluster.clock-cut-interval", "500ms",
                "cluster.writer-max-backoff", "PT3S", "cluster.kafka.security.protocol", "SASL_SSL",
                "cluster.follow-buffer", "16MiB", "cluster.start-timeout", "PT2M");
        io.tidemark.server.cluster.ClusterConfig c = ConfigResolver.resolve(file, env, flags).cluster();
        assertThat(c.enabled()).isTrue();
        assertThat(c.kafka()).isEqualTo("k2:9092,k3:9092");
        assertThat(c.topic()).isEqualTo("t.file");
        assertThat(c.partitions()).isEqualTo(6);
        assertThat(c.group()).isEqualTo("g");
        assertThat(c.produceTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.linger()).isEqualTo(Duration.ofMillis(5));
        assertThat(c.nodeId()).isEqualTo("n1");
        assertThat(c.maxRecordBytes()).isEqualTo(1 << 20);
        assertThat(c.replicationFactor()).isEqualTo(1);
        assertThat(c.followBufferBytes()).isEqualTo(16 << 20);
        assertThat(c.startTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(off.cluster().followBufferBytes()).isEqualTo(64 << 20);
        assertThat(c.kafkaProperties()).containsExactlyInAnyOrderEntriesOf(Map.of("security.protocol", "SASL_SSL",
                "ssl.truststore.location", "/etc/ts.jks"));

        io.tidemark.cluster.LogSettings log = c.logSettings("ignored");
        assertThat(log.bootstrapServers()).isEqualTo("k2:9092,k3:9092");
        assertThat(log.nodeId()).isEqualTo("n1");
        assertThat(log.partitions()).isEqualTo(6);
        assertThat(log.maxRecordBytes()).isEqualTo(1 << 20);
        assertThat(log.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL");
        io.tidemark.cluster.LogWriterSettings w = c.writerSettings(Duration.ofMillis(100), 5000);
        assertThat(w.group()).isEqualTo("g");
        assertThat(w.cutInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(w.clockCutInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(w.maxBackoff()).isEqualTo(Duration.ofSeconds(3));
        assertThat(w.maxSamplesPerTransaction()).isEqualTo(5000);
        assertThat(c.writerSettings(Duration.ofSeconds(2), 1).cutInterval())
                .as("a publish interval above the clock cut interval is capped by it")
                .isEqualTo(Duration.ofMillis(500));
        assertThat(c.toBuilder().nodeId(null).build().logSettings("host:8081").nodeId()).isEqualTo("host:8081");
    }

    @Test
    void resolve_badClusterValues_invalidArgumentNamingTheKey() {
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of("cluster.partitions", "0"), Map.of(), Map.of()))
                .isInstanceOfSatisfying(TidemarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("cluster.partitions");
                });
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of(), Map.of("cluster.linger", "PT10S")))
                .hasMessageContaining("cluster.linger").hasMessageContaining("cluster.produce-timeout");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of(), Map.of("cluster.topic", "a topic")))
                .hasMessageContaining("cluster.topic");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of(), Map.of(), Map.of("cluster.follow-buffer", "1MiB")))
                .hasMessageContaining("cluster.follow-buffer").hasMessageContaining("cluster.max-record-bytes");
        assertThatThrownBy(() -> ConfigResolver.resolve(Map.of("cluster.kafkaa", "x:1"), Map.of(), Map.of()))
                .hasMessageContaining("unknown configuration key 'cluster.kafkaa'");
    }
}
