package io.tidemark.server.graphql;

import graphql.GraphqlErrorBuilder;
import graphql.analysis.QueryTraverser;
import graphql.analysis.QueryVisitorFieldEnvironment;
import graphql.analysis.QueryVisitorStub;
import graphql.execution.AbortExecutionException;
import graphql.execution.ExecutionContext;
import graphql.execution.instrumentation.InstrumentationContext;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimpleInstrumentationContext;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationExecuteOperationParameters;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLNonNull;
import graphql.schema.GraphQLType;
import graphql.util.TraversalControl;
import io.tidemark.core.ErrorCode;
import io.tidemark.server.ServerConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Refuses an operation before any data fetcher runs when it is too deep, selects too many fields, or costs too
 * much; the error has {@code extensions.code} {@code QUERY_TOO_COMPLEX}, {@code extensions.limit} (the
 * configuration key) and {@code extensions.max}.
 *
 * <p>Every field, aliases and fields inside fragments included, counts once per place it is selected. A field's
 * cost is 1 times the size of every list above it: {@code streamData} counts as its {@code limit} rows,
 * {@code auditTrail} as its {@code first} entries, any other list field as {@value #LIST_SIZE} items. The traversal
 * stops at the first limit passed, so a document that expands hugely through fragments is refused early.
 */
final class QueryLimits extends SimplePerformantInstrumentation {
    /** The assumed size of a list field without a size argument. */
    static final int LIST_SIZE = 10;

    private final ServerConfig.GraphQl limits;

    QueryLimits(ServerConfig.GraphQl limits) {
        this.limits = limits;
    }

    @Override
    public InstrumentationContext<graphql.ExecutionResult> beginExecuteOperation(
            InstrumentationExecuteOperationParameters p, InstrumentationState state) {
        ExecutionContext ctx = p.getExecutionContext();
        Counter c = new Counter();
        QueryTraverser.newQueryTraverser().schema(ctx.getGraphQLSchema()).document(ctx.getDocument())
                .operationName(ctx.getOperationDefinition().getName()).coercedVariables(ctx.getCoercedVariables())
                .build().visitPreOrder(c);
        return SimpleInstrumentationContext.noOp();
    }

    /** Counts as it goes and throws at the first limit passed. */
    private final class Counter extends QueryVisitorStub {
        private long fields;
        private long cost;

        @Override
        public TraversalControl visitFieldWithControl(QueryVisitorFieldEnvironment env) {
            int depth = 1;
            long weight = 1;
            for (QueryVisitorFieldEnvironment up = env.getParentEnvironment(); up != null;
                    up = up.getParentEnvironment()) {
                depth++;
                weight = saturatedMultiply(weight, listSize(up));
            }
            check("graphql.max-depth", depth, limits.maxDepth(), "the query nests fields " + depth
                    + " deep; select fewer levels");
            fields++;
            check("graphql.max-fields", fields, limits.maxFields(), "the query selects more than "
                    + limits.maxFields() + " fields (aliases and fragments count each time they are used)");
            cost = saturatedAdd(cost, weight);
            check("graphql.max-cost", cost, limits.maxCost(), "the query could return more than "
                    + limits.maxCost() + " values (a field costs 1 per row of each list above it; streamData counts "
                    + "its limit); ask for fewer rows or fields per request and page with after:");
            return TraversalControl.CONTINUE;
        }
    }

    /** How many items a field's value holds at most (1 for a field that is not a list). */
    private static long listSize(QueryVisitorFieldEnvironment env) {
        GraphQLType t = env.getFieldDefinition().getType();
        if (t instanceof GraphQLNonNull n) {
            t = n.getWrappedType();
        }
        String name = env.getFieldDefinition().getName();
        Object limit = env.getArguments().get(name.equals("auditTrail") ? "first" : "limit");
        if (name.equals("streamData") || name.equals("auditTrail")) {
            long dflt = name.equals("streamData") ? CoreModule.DEFAULT_STREAM_LIMIT : CoreModule.DEFAULT_AUDIT_FIRST;
            return limit instanceof Number n ? Math.max(1, n.longValue()) : dflt;
        }
        return t instanceof GraphQLList ? LIST_SIZE : 1;
    }

    private static void check(String key, long actual, long max, String message) {
        if (actual <= max) {
            return;
        }
        Map<String, Object> ext = new LinkedHashMap<>();
        ext.put("code", ErrorCode.QUERY_TOO_COMPLEX.name());
        ext.put("limit", key);
        ext.put("max", max);
        throw new AbortExecutionException(List.of(GraphqlErrorBuilder.newError()
                .message(message + " (" + key + " = " + max + ")").extensions(ext).build()));
    }

    private static long saturatedMultiply(long a, long b) {
        long r = a * b;
        return (a != 0 && (r / a != b || r < 0)) ? Long.MAX_VALUE : r;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }
}
