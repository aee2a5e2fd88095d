package io.tidemark.server.graphql;

import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.TypeRuntimeWiring;
import io.tidemark.server.Operations;
import io.tidemark.server.auth.Caller;
import io.tidemark.server.auth.TokenAdmin;
import io.tidemark.server.auth.Tokens;
import io.tidemark.store.TokenInfo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** {@code whoami}, {@code tokens}, {@code createToken}, {@code revokeToken}: {@code graphql/tokens.graphqls}. */
public final class TokenModule implements GraphQlModule {
    private final TokenAdmin admin;

    public TokenModule(TokenAdmin admin) {
        this.admin = Objects.requireNonNull(admin, "admin");
    }

    @Override
    public String sdlResource() {
        return "graphql/tokens.graphqls";
    }

    @Override
    public void wire(RuntimeWiring.Builder w, Operations ops) {
        w.type(TypeRuntimeWiring.newTypeWiring("Query")
                .dataFetcher("whoami", env -> whoami(CoreModule.caller(env)))
                .dataFetcher("tokens", env ->
                        admin.list(CoreModule.caller(env)).stream().map(TokenModule::view).toList()));
        w.type(TypeRuntimeWiring.newTypeWiring("Mutation")
                .dataFetcher("createToken", env -> created(admin.create(CoreModule.caller(env),
                        env.getArgument("role"), env.getArgument("name"))))
                .dataFetcher("revokeToken", env -> view(admin.revoke(CoreModule.caller(env), env.getArgument("id")))));
    }

    private static Map<String, Object> whoami(Caller c) {
        return Map.of("tenant", c.tenant().value(), "role", c.role().label().toUpperCase(Locale.ROOT),
                "actor", c.actor());
    }

    private static Map<String, Object> created(Tokens.Issued issued) {
        return Map.of("secret", issued.secret(), "token", view(issued.info()));
    }

    private static Map<String, Object> view(TokenInfo t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("tenant", t.tenant().value());
        m.put("name", t.name());
        m.put("role", t.role().label().toUpperCase(Locale.ROOT));
        m.put("createdAt", t.createdAt());
        m.put("revokedAt", t.revokedAt());
        return m;
    }
}
