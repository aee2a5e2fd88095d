package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.client.Row;
import io.tidemark.client.TidemarkClient;
import io.tidemark.client.TidemarkClient.BodyFormat;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest.fast-path=false}: ingest still works, and the same bodies store the same rows as with the fast paths
 * on, for bodies inside the fast paths' subset and outside it (escapes, carriage returns, quoted CSV fields).
 */
class IngestFastPathSwitchIT {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void ingest_fastPathOff_storesTheSameRowsAsWithItOn() {
        List<Row> on = ingestAndRead(true, dir.resolve("on"));
        List<Row> off = ingestAndRead(false, dir.resolve("off"));
        assertThat(off).hasSize(12);
        assertThat(off).isEqualTo(on);
    }

    /** Sends every body to a server with the switch as given; returns the stored rows, in key order. */
    private static List<Row> ingestAndRead(boolean fastPath, Path storeDir) {
        try (ServerFixture f = new ServerFixture(TestStores.duckDb(storeDir),
                ServerConfig.builder().ingestFastPath(fastPath))) {
            TidemarkClient admin = f.client(f.token("t", Role.ADMIN));
            Map<String, String> cols = new LinkedHashMap<>();
            cols.put("temp", "DOUBLE");
            cols.put("n", "BIGINT");
            cols.put("ok", "BOOLEAN");
            cols.put("note", "VARCHAR");
            admin.createArchive("s", cols);
            admin.activateArchive("s");
            TidemarkClient writer = f.client(f.token("t", Role.WRITER));
            // In the fast paths' subset.
            assertThat(send(writer, BodyFormat.NDJSON, """
                    {"rtId":"a","timestamp":1735689600000,"temp":20.5,"n":1,"ok":true,"note":"x"}
                    {"rtId":"b","timestamp":"2025-01-01T00:00:01.25Z","temp":-0.125,"n":-7,"ok":false,"note":null}
                    {"rtId":"a","timestamp":1735689602000,"temp":1e3}
                    """)).isEqualTo(3);
            assertThat(send(writer, BodyFormat.CSV, """
                    rtId,timestamp,temp,n,ok,note
                    c,1735689600000,1.5,2,true,plain
                    c,2025-01-01T00:00:01Z,,3,false,
                    d,1735689602000,2.5E-3,4,TRUE,y
                    """)).isEqualTo(3);
            // Outside it: the reference readers' alone either way.
            assertThat(send(writer, BodyFormat.NDJSON, "{\"rtId\":\"e\\u0031\",\"timestamp\":1735689600000,"
                    + "\"note\":\"tab\\there\"}\r\n{\"rtId\":\"e2\",\"timestamp\":\"2025-01-01T01:00:00+01:00\","
                    + "\"temp\":7}\r\n{\"rtId\":\"e3\",\"timestamp\":1735689601000,\"note\":\"caf\u00e9\"}\n"))
                    .isEqualTo(3);
            assertThat(send(writer, BodyFormat.CSV, "rtId,timestamp,note,temp\r\n\"f,1\",1735689600000,\"a \"\"q\"\"\","
                    + "3.25\r\nf2,2025-01-01T00:00:00.5Z,\u00fcber,\r\n\"f3\",1735689601000,,-1\r\n")).isEqualTo(3);
            return writer.streamData("s", List.of(), T0.minusSeconds(3600), T0.plusSeconds(86_400), 1000);
        }
    }

    private static int send(TidemarkClient writer, BodyFormat format, String body) {
        return writer.publishBody("s", format, body.getBytes(StandardCharsets.UTF_8));
    }
}
