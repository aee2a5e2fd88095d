package io.tidemark.server.auth;

import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.store.Store;
import io.tidemark.store.TokenGrant;
import io.tidemark.store.TokenInfo;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Issuing API tokens. A token is {@value #PREFIX} followed by 256 random bits (base64url); the store keeps only the
 * SHA-256 of the whole string, so a stolen database yields no usable token. Thread-safe.
 */
public final class Tokens {
    /** Every token starts with this, so secret scanners and people recognise one. */
    public static final String PREFIX = "tmk_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {}

    /** A token just issued: {@link #secret()} is shown once and never again. */
    public record Issued(String secret, TokenInfo info) {
        @Override
        public String toString() {
            return "Issued[" + info + "]";
        }
    }

    /**
     * Creates the tenant if it does not exist, then a token for it.
     *
     * @param name a label for listings; the role's name when null
     */
    public static Issued issue(Store store, TenantId tenant, Role role, String name, Instant now) {
        store.createTenant(tenant);
        byte[] secretBytes = new byte[32];
        RANDOM.nextBytes(secretBytes);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        TokenInfo info = store.tokens().create(new TokenGrant(id, tenant, name == null ? role.label() : name, role,
                hash(secret), now));
        return new Issued(secret, info);
    }

    /** The lower-case hex SHA-256 of a presented token, as stored. */
    public static String hash(String secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
