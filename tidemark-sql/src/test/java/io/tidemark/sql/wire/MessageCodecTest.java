package io.tidemark.sql.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.sql.Column;
import io.tidemark.sql.SqlException;
import io.tidemark.sql.SqlType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    private static MessageReader reader(int... bytes) {
        byte[] data = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            data[i] = (byte) bytes[i];
        }
        return new MessageReader(new ByteArrayInputStream(data), 1024);
    }

    @Test
    void readStartup_startupMessage_givesVersionAndParameters() throws Exception {
        MessageReader reader = reader(0, 0, 0, 23, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 'b', 'o', 'b', 0, 0,
                'a', '=', 0, 'b', 0);
        Message packet = reader.readStartup();
        assertThat(packet.int32()).isEqualTo(196608);
        assertThat(packet.cstring()).isEqualTo("user");
        assertThat(packet.cstring()).isEqualTo("bob");
        assertThat(packet.byte1()).isZero();
    }

    @Test
    void read_bindMessage_givesPortalStatementFormatsAndValues() throws Exception {
        MessageReader reader = reader('B', 0, 0, 0, 28,
                'p', 0, 's', 0,
                0, 1, 0, 1,
                0, 2, 0, 0, 0, 2, '4', '2', 0xff, 0xff, 0xff, 0xff,
                0, 1, 0, 1);
        Message bind = reader.read();
        assertThat((char) bind.type).isEqualTo('B');
        assertThat(bind.cstring()).isEqualTo("p");
        assertThat(bind.cstring()).isEqualTo("s");
        assertThat(bind.int16()).isEqualTo((short) 1);
        assertThat(bind.int16()).isEqualTo((short) 1);
        assertThat(bind.int16()).isEqualTo((short) 2);
        int length = bind.int32();
        assertThat(new String(bind.bytes(length), StandardCharsets.US_ASCII)).isEqualTo("42");
        assertThat(bind.int32()).isEqualTo(-1);
        assertThat(bind.int16()).isEqualTo((short) 1);
        assertThat(bind.int16()).isEqualTo((short) 1);
        assertThat(bind.remaining()).isZero();
        assertThatThrownBy(bind::int16).isInstanceOfSatisfying(SqlException.class,
                e -> assertThat(e.sqlState()).isEqualTo("08P01"));
    }

    @Test
    void read_messageOverTheMaximum_fails08P01WithoutReadingTheBody() {
        MessageReader reader = reader('Q', 0, 0, 0x10, 0);
        assertThatThrownBy(reader::read).isInstanceOfSatisfying(SqlException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("08P01");
            assertThat(e.getMessage()).contains("4092 bytes exceeds the server's maximum of 1024");
        });
    }

    @Test
    void cstring_withoutTerminator_fails08P01() throws Exception {
        Message message = reader('Q', 0, 0, 0, 6, 'a', 'b').read();
        assertThatThrownBy(message::cstring).isInstanceOfSatisfying(SqlException.class,
                e -> assertThat(e.sqlState()).isEqualTo("08P01"));
    }

    private static byte[] written(WriterAction action) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageWriter writer = new MessageWriter(out);
        action.write(writer);
        writer.flush();
        return out.toByteArray();
    }

    private static byte[] bytes(int... values) {
        byte[] data = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            data[i] = (byte) values[i];
        }
        return data;
    }

    @Test
    void rowDescription_oneBinaryInt8Column_matchesTheProtocolLayout() throws Exception {
        byte[] actual = written(w -> w.rowDescription(List.of(new Column("n", SqlType.INT8)), new boolean[] {true}));
        assertThat(actual).isEqualTo(bytes('T', 0, 0, 0, 26, 0, 1, 'n', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 8,
                0xff, 0xff, 0xff, 0xff, 0, 1));
    }

    @Test
    void dataRow_valueAndNull_matchesTheProtocolLayout() throws Exception {
        byte[] actual = written(w -> w.dataRow(new byte[][] {{'7'}, null}));
        assertThat(actual).isEqualTo(bytes('D', 0, 0, 0, 15, 0, 2, 0, 0, 0, 1, '7', 0xff, 0xff, 0xff, 0xff));
    }

    @Test
    void errorResponse_withHintAndPosition_writesEachField() throws Exception {
        SqlException error = new SqlException("42601", "bad", null, "fix it", 3, null);
        byte[] actual = written(w -> w.errorResponse("ERROR", error));
        String body = new String(actual, 5, actual.length - 5, StandardCharsets.UTF_8);
        assertThat(actual[0]).isEqualTo((byte) 'E');
        assertThat(body).isEqualTo("SERROR\0VERROR\0C42601\0Mbad\0Hfix it\0P3\0\0");
    }

    @Test
    void readyForQuery_andPortalSuspended_matchTheProtocolLayout() throws Exception {
        assertThat(written(w -> {
            w.portalSuspended();
            w.readyForQuery('T');
        })).isEqualTo(bytes('s', 0, 0, 0, 4, 'Z', 0, 0, 0, 5, 'T'));
    }

    @Test
    void largeOutput_goesToTheSocketBeforeFlush() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageWriter writer = new MessageWriter(out);
        byte[] value = new byte[1000];
        for (int i = 0; i < 40; i++) {
            writer.dataRow(new byte[][] {value});
        }
        assertThat(out.size()).isGreaterThanOrEqualTo(MessageWriter.SEND_THRESHOLD);
    }

    @Test
    void timestamptz_text_isUtcWithMicrosecondsWithoutTrailingZeros() throws Exception {
        assertThat(PgValues.text(SqlType.TIMESTAMPTZ, Instant.parse("2000-01-01T00:00:00Z")))
                .isEqualTo("2000-01-01 00:00:00+00");
        assertThat(PgValues.text(SqlType.TIMESTAMPTZ, Instant.parse("2024-02-29T12:34:56.120000789Z")))
                .isEqualTo("2024-02-29 12:34:56.12+00");
        assertThat(PgValues.text(SqlType.TIMESTAMPTZ, Instant.parse("1969-12-31T23:59:59.999999Z")))
                .isEqualTo("1969-12-31 23:59:59.999999+00");
    }

    @Test
    void timestamptz_binary_isMicrosecondsSince2000() throws Exception {
        assertThat(PgValues.binary(SqlType.TIMESTAMPTZ, Instant.parse("2000-01-01T00:00:00.000001Z")))
                .isEqualTo(bytes(0, 0, 0, 0, 0, 0, 0, 1));
        assertThat(PgValues.binary(SqlType.TIMESTAMPTZ, Instant.parse("1999-12-31T23:59:59.999999Z")))
                .isEqualTo(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    }

    @Test
    void scalars_binary_areBigEndian() throws Exception {
        assertThat(PgValues.binary(SqlType.INT8, 258L)).isEqualTo(bytes(0, 0, 0, 0, 0, 0, 1, 2));
        assertThat(PgValues.binary(SqlType.FLOAT8, 1.0)).isEqualTo(bytes(0x3f, 0xf0, 0, 0, 0, 0, 0, 0));
        assertThat(PgValues.binary(SqlType.BOOL, true)).isEqualTo(bytes(1));
        assertThat(PgValues.binary(SqlType.TEXT, "é")).isEqualTo(bytes(0xc3, 0xa9));
        assertThat(PgValues.text(SqlType.BOOL, false)).isEqualTo("f");
        assertThat(PgValues.text(SqlType.INT8, 7)).isEqualTo("7");
    }

    @Test
    void float8_text_isTheShortestExactFormLikePostgres() {
        assertThat(Arrays.asList(1.5, 100.0, 0.1, 1e20, 1e-5, 123456789012345.0, 1e15, -0.0001, 0.0, Double.NaN,
                Double.NEGATIVE_INFINITY, 1.0 / 3).stream().map(PgValues::float8))
                .containsExactly("1.5", "100", "0.1", "1e+20", "1e-05", "123456789012345", "1e+15", "-0.0001", "0",
                        "NaN", "-Infinity", "0.3333333333333333");
    }

    @Test
    void wrongJavaType_fromTheBackend_isAnInternalError() {
        assertThatThrownBy(() -> PgValues.text(SqlType.INT8, "7")).isInstanceOfSatisfying(SqlException.class,
                e -> assertThat(e.sqlState()).isEqualTo("XX000"));
    }

    @Test
    void csvLine_quotesLikePostgresCopy() {
        assertThat(new String(QueryProtocol.CsvLine.of(Arrays.asList("a", null, "", "x,y", "say \"hi\"", "l\nm")),
                StandardCharsets.UTF_8)).isEqualTo("a,,\"\",\"x,y\",\"say \"\"hi\"\"\",\"l\nm\"\n");
    }

    interface WriterAction {
        void write(MessageWriter writer) throws Exception;
    }
}
