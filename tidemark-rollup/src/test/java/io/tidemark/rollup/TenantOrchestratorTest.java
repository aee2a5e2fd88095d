package io.tidemark.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.PublicError;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class TenantOrchestratorTest {

    @Test
    void describe_storeErrorWithDriverCause_codeAndErrorIdWithoutDriverText() {
        TidemarkException e = new TidemarkException(ErrorCode.STORE_ERROR, "aggregate acme.m1 failed: ERROR: "
                + "integer out of range\n  LINE 1: INSERT INTO \"tidemark\".\"acme\".\"m1\" SELECT CAST(sum(s.\"b\") AS "
                + "BIGINT)", new SQLException("ERROR: integer out of range"));

        PublicError p = PublicError.report("rollup acme.m1", e);
        String text = TenantOrchestrator.describe(p);

        assertThat(text).startsWith("STORE_ERROR: ").contains("(error id " + p.errorId() + ")")
                .doesNotContain("SELECT", "tidemark", "acme", "integer out of range", "LINE");
        assertThat(p.errorId()).matches("[0-9a-f]{12}");
    }

    @Test
    void describe_userError_keepsTidemarksOwnMessageWithoutId() {
        TidemarkException e = new TidemarkException(ErrorCode.INVALID_STATE, "rollup 'x' needs a source");

        assertThat(TenantOrchestrator.describe(PublicError.report("rollup acme.x", e)))
                .isEqualTo("INVALID_STATE: rollup 'x' needs a source");
    }

    @Test
    void describe_hugeMessage_truncated() {
        String huge = "x".repeat(10_000);

        assertThat(TenantOrchestrator.describe(PublicError.report("r", new TidemarkException(ErrorCode.INVALID_STATE,
                huge)))).hasSize(2001).endsWith("…");
    }
}
