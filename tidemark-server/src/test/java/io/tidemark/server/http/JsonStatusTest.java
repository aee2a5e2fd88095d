package io.tidemark.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.IngestRejection;
import io.tidemark.store.PublicError;
import org.junit.jupiter.api.Test;

/** {@code LOG_UNAVAILABLE} (cluster mode) answers as {@code STORE_UNAVAILABLE} does: 503, a fault with an error id. */
class JsonStatusTest {

    @Test
    void status_logUnavailable_is503LikeStoreUnavailable() {
        assertThat(Json.status(ErrorCode.LOG_UNAVAILABLE)).isEqualTo(503).isEqualTo(Json.status(ErrorCode.STORE_UNAVAILABLE));
    }

    @Test
    void report_logUnavailable_isAFaultWithAPlainMessageAndAnId() {
        PublicError p = PublicError.report("ingest acme/raw", new TidemarkException(ErrorCode.LOG_UNAVAILABLE,
                "the log did not take the BATCH record of tenant 'acme' (TimeoutException: broker-7.internal:9092)"));

        assertThat(p.code()).isEqualTo(ErrorCode.LOG_UNAVAILABLE);
        assertThat(p.errorId()).isNotNull();
        assertThat(p.message()).contains("re-send").doesNotContain("broker-7");
    }

    @Test
    void of_logUnavailable_isCountedAsUnavailable() {
        assertThat(IngestRejection.of(new TidemarkException(ErrorCode.LOG_UNAVAILABLE, "x")))
                .isEqualTo(IngestRejection.UNAVAILABLE);
    }
}
