package io.tidemark.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BindParameterTest {

    @Test
    void value_textByDeclaredType_decodes() throws Exception {
        assertThat(BindParameter.text(20, "-5").value()).isEqualTo(-5L);
        assertThat(BindParameter.text(23, " 7 ").value()).isEqualTo(7L);
        assertThat(BindParameter.text(701, "2.5").value()).isEqualTo(2.5);
        assertThat(BindParameter.text(701, "-Infinity").value()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(BindParameter.text(16, "1").value()).isEqualTo(true);
        assertThat(BindParameter.text(16, "off").value()).isEqualTo(false);
        assertThat(BindParameter.text(1043, "x").value()).isEqualTo("x");
        assertThat(BindParameter.text(0, "42").value()).isEqualTo("42");
        assertThat(BindParameter.text(20, null).value()).isNull();
    }

    @Test
    void value_textTimestamps_inTheFormsClientsSend() throws Exception {
        assertThat(BindParameter.text(1184, "2024-01-02 03:04:05.123456+00").value())
                .isEqualTo(Instant.parse("2024-01-02T03:04:05.123456Z"));
        assertThat(BindParameter.text(1184, "2024-01-02 03:04:05.5+05:30").value())
                .isEqualTo(Instant.parse("2024-01-01T21:34:05.5Z"));
        assertThat(BindParameter.text(1184, "2024-01-02 03:04:05-0330").value())
                .isEqualTo(Instant.parse("2024-01-02T06:34:05Z"));
        assertThat(BindParameter.text(1184, "2024-01-02T03:04:05Z").value())
                .isEqualTo(Instant.parse("2024-01-02T03:04:05Z"));
        assertThat(BindParameter.text(1114, "2024-01-02").value()).isEqualTo(Instant.parse("2024-01-02T00:00:00Z"));
    }

    @Test
    void value_binary_decodesByDeclaredType() throws Exception {
        assertThat(new BindParameter(23, true, new byte[] {0, 0, 1, 2}).value()).isEqualTo(258L);
        assertThat(new BindParameter(20, true, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}).value()).isEqualTo(-1L);
        assertThat(new BindParameter(701, true, new byte[] {0x3f, (byte) 0xf0, 0, 0, 0, 0, 0, 0}).value())
                .isEqualTo(1.0);
        assertThat(new BindParameter(16, true, new byte[] {1}).value()).isEqualTo(true);
        assertThat(new BindParameter(1184, true, new byte[] {0, 0, 0, 0, 0, 0, 0, 1}).value())
                .isEqualTo(Instant.parse("2000-01-01T00:00:00.000001Z"));
    }

    @Test
    void value_malformed_failsWithTheSqlState() {
        assertThatThrownBy(() -> BindParameter.text(20, "x").value()).isInstanceOfSatisfying(SqlException.class,
                e -> assertThat(e.sqlState()).isEqualTo("22P02"));
        assertThatThrownBy(() -> BindParameter.text(16, "maybe").value()).isInstanceOfSatisfying(SqlException.class,
                e -> assertThat(e.sqlState()).isEqualTo("22P02"));
        assertThatThrownBy(() -> BindParameter.text(1184, "yesterday").value())
                .isInstanceOfSatisfying(SqlException.class, e -> assertThat(e.sqlState()).isEqualTo("22007"));
        assertThatThrownBy(() -> new BindParameter(20, true, new byte[] {1}).value())
                .isInstanceOfSatisfying(SqlException.class, e -> assertThat(e.sqlState()).isEqualTo("22P03"));
        assertThatThrownBy(() -> new BindParameter(1700, true, new byte[] {1}).value())
                .isInstanceOfSatisfying(SqlException.class, e -> assertThat(e.sqlState()).isEqualTo("0A000"));
    }
}
