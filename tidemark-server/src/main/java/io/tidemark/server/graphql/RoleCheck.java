package io.tidemark.server.graphql;

import graphql.language.Document;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.parser.ParserOptions;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.Role;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.auth.Caller;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The role check of a GraphQL request, made on the parsed document before graphql-java validates it, coerces its
 * variables or runs a data fetcher: a caller whose role is too weak for any top-level field of the operation to run
 * gets {@code FORBIDDEN}, whatever its arguments are (well typed or not). Queries need {@link Role#READER};
 * mutations {@link Role#ADMIN} except those in {@link #MUTATIONS_BELOW_ADMIN}, so a new mutation is admin-only until
 * it is listed there. A document that does not parse, or whose operation cannot be chosen, is left to graphql-java,
 * which answers {@code INVALID_QUERY}: a syntax error reveals nothing a caller could not know. The operations
 * check the role again ({@link io.tidemark.server.Operations}).
 */
final class RoleCheck {
    /** Mutations a caller below admin may run, with the role they need. */
    static final Map<String, Role> MUTATIONS_BELOW_ADMIN = Map.of("ingestSamples", Role.WRITER);
    /** The parser's limits; the document is parsed again by graphql-java with the same ones. */
    private static final ParserOptions OPTIONS = ParserOptions.getDefaultOperationParserOptions();

    private RoleCheck() {}

    /** The role a top-level field of an operation of kind {@code op} needs. */
    static Role required(OperationDefinition.Operation op, String field) {
        if (op == OperationDefinition.Operation.MUTATION) {
            return MUTATIONS_BELOW_ADMIN.getOrDefault(field, Role.ADMIN);
        }
        return Role.READER;
    }

    /**
     * @throws TidemarkException {@code FORBIDDEN} naming the first field the caller may not run
     */
    static void check(Caller caller, String query, String operationName) {
        if (caller.role() == Role.ADMIN) {
            return;
        }
        Document doc;
        try {
            doc = new Parser().parseDocument(graphql.parser.ParserEnvironment.newParserEnvironment()
                    .document(query).parserOptions(OPTIONS).build());
        } catch (InvalidSyntaxException e) {
            return;
        }
        OperationDefinition op = operation(doc, operationName);
        if (op == null) {
            return;
        }
        Map<String, FragmentDefinition> fragments = new java.util.HashMap<>();
        doc.getDefinitionsOfType(FragmentDefinition.class).forEach(f -> fragments.put(f.getName(), f));
        Set<String> fields = new java.util.LinkedHashSet<>();
        collect(op.getSelectionSet(), fragments, new HashSet<>(), fields);
        for (String f : fields) {
            Role need = required(op.getOperation(), f);
            if (!caller.role().includes(need)) {
                throw new TidemarkException(ErrorCode.FORBIDDEN, "a " + caller.role().label() + " token may not run "
                        + op.getOperation().name().toLowerCase(java.util.Locale.ROOT) + " field '" + f
                        + "'; it needs a " + need.label() + " token");
            }
        }
    }

    /** The operation graphql-java would run; null when it cannot choose one (it reports that itself). */
    private static OperationDefinition operation(Document doc, String name) {
        List<OperationDefinition> ops = doc.getDefinitionsOfType(OperationDefinition.class);
        if (name == null || name.isEmpty()) {
            return ops.size() == 1 ? ops.get(0) : null;
        }
        return ops.stream().filter(o -> name.equals(o.getName())).findFirst().orElse(null);
    }

    private static void collect(SelectionSet set, Map<String, FragmentDefinition> fragments, Set<String> seen,
            Set<String> out) {
        if (set == null) {
            return;
        }
        for (Selection<?> s : set.getSelections()) {
            if (s instanceof Field f) {
                out.add(f.getName());
            } else if (s instanceof InlineFragment i) {
                collect(i.getSelectionSet(), fragments, seen, out);
            } else if (s instanceof FragmentSpread spread && seen.add(spread.getName())
                    && fragments.containsKey(spread.getName())) {
                collect(fragments.get(spread.getName()).getSelectionSet(), fragments, seen, out);
            }
        }
    }
}
