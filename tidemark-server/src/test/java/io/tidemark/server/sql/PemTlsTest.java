package io.tidemark.server.sql;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTlsTest {
    @TempDir
    Path dir;

    @Test
    void context_pkcs1Key_invalidArgumentSayingHowToConvert() throws Exception {
        Path key = Files.writeString(dir.resolve("k.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n"
                + "-----END RSA PRIVATE KEY-----\n");
        Path cert = Files.writeString(dir.resolve("c.pem"), "");

        assertThatThrownBy(() -> PemTls.context(key, cert)).isInstanceOfSatisfying(TidemarkException.class,
                e -> org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("sql.tls.key").hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void context_missingFile_invalidArgumentNamingIt() {
        assertThatThrownBy(() -> PemTls.context(dir.resolve("none.pem"), dir.resolve("c.pem")))
                .isInstanceOf(TidemarkException.class).hasMessageContaining("none.pem");
    }

    @Test
    void context_keyThatIsNotAKey_invalidArgument() throws Exception {
        Path key = Files.writeString(dir.resolve("k.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n"
                + "-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> PemTls.context(key, dir.resolve("c.pem"))).isInstanceOf(TidemarkException.class)
                .hasMessageContaining("sql.tls");
    }
}
