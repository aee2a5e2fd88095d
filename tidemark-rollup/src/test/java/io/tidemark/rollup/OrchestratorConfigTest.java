package io.tidemark.rollup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import org.junit.jupiter.api.Test;

class OrchestratorConfigTest {

    @Test
    void new_zeroBucketsPerStatement_refusedWithInvalidArgument() {
        assertThatThrownBy(() -> new OrchestratorConfig(0, 10)).isInstanceOf(TidemarkException.class)
                .hasMessageContaining("maxBucketsPerStatement")
                .satisfies(e -> assertThat(((TidemarkException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void new_zeroBucketsPerTick_refusedWithInvalidArgument() {
        assertThatThrownBy(() -> new OrchestratorConfig(10, 0)).isInstanceOf(TidemarkException.class)
                .hasMessageContaining("maxBucketsPerTick");
    }

    @Test
    void default_asShipped_aDayOfMinutesPerStatementAndHundredThousandBucketsPerTick() {
        assertThat(OrchestratorConfig.DEFAULT.maxBucketsPerStatement()).isEqualTo(1440);
        assertThat(OrchestratorConfig.DEFAULT.maxBucketsPerTick()).isEqualTo(100_000);
    }
}
