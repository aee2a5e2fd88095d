package io.tidemark.server.sql;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An {@link SSLContext} from PEM files, as PostgreSQL's {@code ssl_key_file}/{@code ssl_cert_file} take them: an
 * unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}; RSA or EC) and a certificate chain, server certificate
 * first. Plain JDK, no keystore to manage.
 */
final class PemTls {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private PemTls() {}

    /**
     * @throws TidemarkException {@code INVALID_ARGUMENT} naming the file and what to do when a file is missing or not
     *     what it should be
     */
    static SSLContext context(Path keyFile, Path certificateFile) {
        try {
            PrivateKey key = key(keyFile);
            Certificate[] chain;
            try (InputStream in = Files.newInputStream(certificateFile)) {
                chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
            }
            if (chain.length == 0) {
                throw invalid("sql.tls.certificate", certificateFile + " holds no PEM certificate");
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] none = new char[0];
            store.setKeyEntry("server", key, none, chain);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, none);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw invalid("sql.tls.key/sql.tls.certificate", "cannot read " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw invalid("sql.tls.key/sql.tls.certificate", "the key or certificate is not usable: " + e.getMessage());
        }
    }

    private static PrivateKey key(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            throw invalid("sql.tls.key", file + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY); convert one "
                    + "with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1).strip()));
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    private static TidemarkException invalid(String key, String why) {
        return new TidemarkException(ErrorCode.INVALID_ARGUMENT, "configuration '" + key + "': " + why);
    }
}
