package io.tidemark.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class TenantOrchestratorTest {

    @Test
    void describe_storeErrorWithDriverCause_keepsBothMessages() {
        TidemarkException e = new TidemarkException(ErrorCode.STORE_ERROR, "aggregate acme.m1 failed",
                new SQLException("could not extend file: No space left on device"));

        assertThat(TenantOrchestrator.describe(e)).isEqualTo(
                "aggregate acme.m1 failed: could not extend file: No space left on device");
    }

    @Test
    void describe_noMessage_namesTheExceptionClass() {
        assertThat(TenantOrchestrator.describe(new NullPointerException())).isEqualTo(
                "java.lang.NullPointerException");
    }

    @Test
    void describe_hugeMessage_truncated() {
        String huge = "x".repeat(10_000);

        assertThat(TenantOrchestrator.describe(new IllegalStateException(huge))).hasSize(2001).endsWith("…");
    }
}
