package io.tidemark.server.graphql;

import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.TypeRuntimeWiring;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.live.QuerySchema;
import io.tidemark.server.Operations;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code validateLiveQuery}: {@code graphql/live.graphqls}. */
public final class LiveModule implements GraphQlModule {
    /** How the live planner names a position in its messages. */
    private static final Pattern POSITION = Pattern.compile("at line (\\d+), column (\\d+)");
    /** Errors that are about the query; others (FORBIDDEN, UNAVAILABLE …) are GraphQL errors. */
    private static final Set<ErrorCode> QUERY_ERRORS = Set.of(ErrorCode.INVALID_QUERY, ErrorCode.NOT_FOUND,
            ErrorCode.UNKNOWN_COLUMN, ErrorCode.INVALID_ARGUMENT);

    @Override
    public String sdlResource() {
        return "graphql/live.graphqls";
    }

    @Override
    public void wire(RuntimeWiring.Builder w, Operations ops) {
        w.type(TypeRuntimeWiring.newTypeWiring("Query").dataFetcher("validateLiveQuery",
                env -> validate(ops, env.getGraphQlContext().get(io.tidemark.server.auth.Caller.class),
                        env.getArgument("sql"))));
    }

    private static Map<String, Object> validate(Operations ops, io.tidemark.server.auth.Caller caller, String sql) {
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            QuerySchema s = ops.validateLiveQuery(caller, sql);
            out.put("valid", true);
            out.put("schema", Map.of("columns", s.columns().stream().map(c -> Map.of("name", c.name(), "type",
                    c.type().name())).toList(), "keyColumns", s.keyColumns(), "ordered", s.ordered()));
            out.put("error", null);
        } catch (TidemarkException e) {
            if (!QUERY_ERRORS.contains(e.code())) {
                throw e;
            }
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("code", e.code().name());
            err.put("message", e.getMessage());
            Matcher m = POSITION.matcher(e.getMessage() == null ? "" : e.getMessage());
            boolean at = m.find();
            err.put("line", at ? Integer.parseInt(m.group(1)) : null);
            err.put("column", at ? Integer.parseInt(m.group(2)) : null);
            out.put("valid", false);
            out.put("schema", null);
            out.put("error", err);
        }
        return out;
    }

    static List<GraphQlModule> all() {
        return List.of(new CoreModule(), new LiveModule());
    }
}
