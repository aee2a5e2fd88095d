package io.tidemark.store;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A new token to store.
 *
 * @param id the public id, 1 to 32 characters of {@code [a-z0-9]}
 * @param hash the lower-case hex SHA-256 of the secret; the secret itself is never stored
 */
public record TokenGrant(String id, TenantId tenant, String name, Role role, String hash, Instant createdAt) {
    private static final Pattern ID = Pattern.compile("[a-z0-9]{1,32}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    public static final int MAX_NAME = 128;

    public TokenGrant {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(createdAt, "createdAt");
        if (id == null || !ID.matcher(id).matches()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "invalid token id '" + id + "'");
        }
        if (hash == null || !SHA256_HEX.matcher(hash).matches()) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "a token hash is 64 lower-case hex digits");
        }
        if (name == null || name.isBlank() || name.length() > MAX_NAME) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT,
                    "a token name needs 1 to " + MAX_NAME + " characters, got '" + name + "'");
        }
    }
}
