package io.tidemark.store.jdbc;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.Role;
import io.tidemark.core.TenantId;
import io.tidemark.core.TidemarkException;
import io.tidemark.store.TokenGrant;
import io.tidemark.store.TokenInfo;
import io.tidemark.store.TokenStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Tokens in the metadata table {@code tokens}; only the SHA-256 of a secret is ever stored. */
final class JdbcTokenStore implements TokenStore {
    private final JdbcStore store;
    private final Catalog catalog;
    private final SqlDialect d;
    /** Keyed by token hash. */
    private final MetadataCache<TokenInfo> lookups;

    JdbcTokenStore(JdbcStore store, Catalog catalog) {
        this.store = store;
        this.catalog = catalog;
        this.d = store.dialect();
        this.lookups = new MetadataCache<>(store);
    }

    @Override
    public TokenInfo create(TokenGrant g) {
        return store.inTransaction("create token " + g.id(), c -> {
            catalog.requireTenant(c, g.tenant());
            if (exists(c, g.id(), g.hash())) {
                throw new TidemarkException(ErrorCode.ALREADY_EXISTS, "a token with id '" + g.id()
                        + "' or the same secret exists; generate a new one");
            }
            try (PreparedStatement ps = c.prepareStatement(d.insertToken())) {
                ps.setString(1, g.id());
                ps.setString(2, g.tenant().value());
                ps.setString(3, g.name());
                ps.setString(4, g.role().name());
                ps.setString(5, g.hash());
                Jdbc.setInstant(ps, 6, g.createdAt());
                ps.executeUpdate();
            }
            return new TokenInfo(g.id(), g.tenant(), g.name(), g.role(), g.createdAt(), null);
        });
    }

    private boolean exists(Connection c, String id, String hash) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.selectTokenByIdOrHash())) {
            ps.setString(1, id);
            ps.setString(2, hash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public List<TokenInfo> list(TenantId tenant) {
        String sql = d.selectTokens(tenant != null);
        return store.read("list tokens", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (tenant != null) {
                    ps.setString(1, tenant.value());
                }
                return rows(ps);
            }
        });
    }

    @Override
    public TokenInfo revoke(String id, Instant at) {
        return store.inTransaction("revoke token " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(d.revokeToken())) {
                Jdbc.setInstant(ps, 1, at);
                ps.setString(2, id);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(d.selectTokenById())) {
                ps.setString(1, id);
                return rows(ps).stream().findFirst().orElseThrow(() -> new TidemarkException(ErrorCode.NOT_FOUND,
                        "no token with id '" + id + "'; 'tidemark token list' shows the ids"));
            }
        });
    }

    /**
     * Kept between calls on a single-writer engine ({@link MetadataCache}; a revocation is a transaction, so it ends
     * the entry): every request looks its token up. Unknown hashes are not kept.
     */
    @Override
    public Optional<TokenInfo> lookup(String hash) {
        return Optional.ofNullable(lookups.get(hash, () -> store.read("look up token", c -> {
            try (PreparedStatement ps = c.prepareStatement(d.selectActiveToken())) {
                ps.setString(1, hash);
                return rows(ps).stream().findFirst().orElse(null);
            }
        })));
    }

    private static List<TokenInfo> rows(PreparedStatement ps) throws SQLException {
        List<TokenInfo> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new TokenInfo(rs.getString(1), TenantId.of(rs.getString(2)), rs.getString(3),
                        Role.valueOf(rs.getString(4)), Jdbc.getInstant(rs, 5), Jdbc.getInstant(rs, 6)));
            }
        }
        return out;
    }
}
