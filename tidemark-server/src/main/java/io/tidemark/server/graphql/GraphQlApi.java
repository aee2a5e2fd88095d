package io.tidemark.server.graphql;

import graphql.ErrorClassification;
import graphql.ErrorType;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerResult;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import io.tidemark.core.BatchRejectedException;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.Operations;
import io.tidemark.server.auth.Caller;
import io.tidemark.store.PublicError;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GraphQL API: the schema assembled from {@link GraphQlModule}s, executed for one {@link Caller} at a time.
 * Every error in a result carries {@code extensions.code}, an {@link ErrorCode} name: the data fetchers' own
 * codes, {@code INVALID_QUERY} for documents that do not parse or validate (and for badly typed variables), and
 * {@code INTERNAL} for faults, whose details go to the log only. Thread-safe.
 */
public final class GraphQlApi {
    private static final Logger LOG = LoggerFactory.getLogger(GraphQlApi.class);
    private final GraphQL graphQl;
    private final io.tidemark.server.ServerConfig.GraphQl limits;

    public GraphQlApi(Operations operations, List<GraphQlModule> modules) {
        TypeDefinitionRegistry types = new TypeDefinitionRegistry();
        RuntimeWiring.Builder wiring = RuntimeWiring.newRuntimeWiring().scalar(Scalars.INSTANT).scalar(Scalars.LONG).scalar(Scalars.JSON);
        for (GraphQlModule m : modules) {
            types.merge(new SchemaParser().parse(sdl(m.sdlResource())));
            m.wire(wiring, operations);
        }
        GraphQLSchema schema = new SchemaGenerator().makeExecutableSchema(types, wiring.build());
        this.limits = operations.config().graphql();
        this.graphQl = GraphQL.newGraphQL(schema).defaultDataFetcherExceptionHandler(new Errors(operations))
                .instrumentation(new QueryLimits(limits)).build();
    }

    /** The executable schema, for tests that enumerate its fields. */
    public GraphQLSchema schema() {
        return graphQl.getGraphQLSchema();
    }

    /** The schema's core modules. */
    public static List<GraphQlModule> coreModules() {
        return LiveModule.all();
    }

    /**
     * Runs one request.
     *
     * @return the response per the GraphQL specification ({@code data}, {@code errors})
     */
    public Map<String, Object> execute(Caller caller, String query, Map<String, Object> variables,
            String operationName) {
        if (query == null || query.isBlank()) {
            return errorResponse(ErrorCode.INVALID_QUERY, "the request has no 'query'");
        }
        try {
            RoleCheck.check(caller, query, operationName);
        } catch (TidemarkException e) {
            return errorResponse(e.code(), e.getMessage());
        }
        ExecutionInput in = ExecutionInput.newExecutionInput().query(query)
                .variables(variables == null ? Map.of() : variables).operationName(operationName)
                .graphQLContext(Map.of(Caller.class, caller, ResponseBudget.class,
                        new ResponseBudget(limits.maxResponseRows()))).build();
        ExecutionResult result = graphQl.execute(in);
        Map<String, Object> spec = new LinkedHashMap<>(result.toSpecification());
        if (!result.getErrors().isEmpty()) {
            spec.put("errors", result.getErrors().stream().map(GraphQlApi::withCode).toList());
        }
        return spec;
    }

    /** A response holding one fault, reported by {@link PublicError}: code, plain message, error id. */
    public static Map<String, Object> errorResponse(PublicError p) {
        Map<String, Object> ext = new LinkedHashMap<>();
        ext.put("code", p.code().name());
        if (p.errorId() != null) {
            ext.put("errorId", p.errorId());
        }
        return Map.of("errors", List.of(Map.of("message", p.message(), "extensions", ext)));
    }

    /** A response holding one error and no data. */
    public static Map<String, Object> errorResponse(ErrorCode code, String message) {
        return Map.of("errors", List.of(Map.of("message", message, "extensions", Map.of("code", code.name()))));
    }

    private static Map<String, Object> withCode(GraphQLError e) {
        Map<String, Object> m = new LinkedHashMap<>(e.toSpecification());
        Map<String, Object> ext = new LinkedHashMap<>();
        if (e.getExtensions() != null) {
            ext.putAll(e.getExtensions());
        }
        if (!ext.containsKey("code")) {
            ErrorClassification c = e.getErrorType();
            boolean caller = c == ErrorType.InvalidSyntax || c == ErrorType.ValidationError
                    || c == ErrorType.ExecutionAborted || String.valueOf(c).contains("Validation");
            ext.put("code", (caller ? ErrorCode.INVALID_QUERY : ErrorCode.INTERNAL).name());
            ext.remove("classification");
        }
        m.put("extensions", ext);
        return m;
    }

    private static String sdl(String resource) {
        try (InputStream in = GraphQlApi.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("GraphQL schema resource " + resource + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Data fetcher exceptions → errors with codes; a fault goes through {@link PublicError}: logged with its details
     * under an error id, reported with the code, a plain message and {@code extensions.errorId}.
     */
    private static final class Errors implements DataFetcherExceptionHandler {
        private final Operations operations;

        Errors(Operations operations) {
            this.operations = operations;
        }

        @Override
        public CompletableFuture<DataFetcherExceptionHandlerResult> handleException(
                graphql.execution.DataFetcherExceptionHandlerParameters p) {
            Throwable t = p.getException();
            if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            GraphqlErrorBuilder<?> b = GraphqlErrorBuilder.newError().path(p.getPath())
                    .location(p.getSourceLocation());
            if (t instanceof TidemarkException te && !PublicError.isFault(te.code())) {
                Map<String, Object> ext = new LinkedHashMap<>();
                ext.put("code", te.code().name());
                if (te instanceof BatchRejectedException br) {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    br.errors().forEach(r -> {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("row", r.row());
                        row.put("column", r.column());
                        row.put("reason", r.reason());
                        rows.add(row);
                    });
                    ext.put("errors", rows);
                }
                b.message(te.getMessage()).extensions(ext);
            } else {
                PublicError pe = PublicError.report("graphql " + p.getPath(), t);
                if (pe.code() == ErrorCode.STORE_UNAVAILABLE) {
                    operations.storeUnavailable("graphql");
                }
                b.message(pe.message()).extensions(Map.of("code", pe.code().name(), "errorId", pe.errorId()));
            }
            return CompletableFuture.completedFuture(DataFetcherExceptionHandlerResult.newResult(b.build()).build());
        }
    }
}
