package io.tidemark.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import graphql.introspection.IntrospectionQuery;
import graphql.introspection.IntrospectionResultToSchema;
import graphql.schema.GraphQLEnumType;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLInputObjectField;
import graphql.schema.GraphQLInputObjectType;
import graphql.schema.GraphQLInputType;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLNonNull;
import graphql.schema.GraphQLScalarType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLType;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.UnExecutableSchemaGenerator;
import io.tidemark.core.Role;
import io.tidemark.store.TestStores;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The role is checked before any input: every mutation the running server's schema offers (read by introspection,
 * so a new mutation is covered without touching this test), called by a too-weak role with well-typed but bad
 * arguments, with badly typed arguments and with none, answers {@code FORBIDDEN}; so does ingest over HTTP with a
 * malformed body, an unknown content type or encoding, or an unknown archive.
 */
class RoleBeforeInputIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Mutations a writer may run; every other mutation must refuse a writer too. */
    private static final Set<String> WRITER_MUTATIONS = Set.of("ingestSamples");
    @TempDir
    static Path dir;
    private static ServerFixture f;
    private static String admin;

    @BeforeAll
    static void start() {
        f = new ServerFixture(TestStores.duckDb(dir));
        admin = f.token("t", Role.ADMIN);
        f.client(admin).createArchive("s", Map.of("v", "DOUBLE"));
        f.client(admin).activateArchive("s");
    }

    @AfterAll
    static void stop() {
        f.close();
    }

    private static GraphQLSchema servedSchema() throws Exception {
        JsonNode r = JSON.readTree(f.graphql(admin, IntrospectionQuery.INTROSPECTION_QUERY).body());
        @SuppressWarnings("unchecked")
        Map<String, Object> data = JSON.convertValue(r.path("data"), Map.class);
        graphql.language.Document doc = new IntrospectionResultToSchema().createSchemaDefinition(data);
        return UnExecutableSchemaGenerator.makeUnExecutableSchema(new SchemaParser().buildRegistry(doc));
    }

    @Test
    void everyMutation_tooWeakRoleWithBadArguments_forbidden() throws Exception {
        List<GraphQLFieldDefinition> mutations = servedSchema().getMutationType().getFieldDefinitions();
        assertThat(mutations).extracting(GraphQLFieldDefinition::getName).contains("createArchive", "ingestSamples");
        String reader = f.token("t", Role.READER);
        String writer = f.token("t", Role.WRITER);
        List<String> failures = new ArrayList<>();
        for (GraphQLFieldDefinition m : mutations) {
            List<String> calls = List.of(call(m, RoleBeforeInputIT::badValue), call(m, RoleBeforeInputIT::wrongType),
                    "mutation { " + m.getName() + " { __typename } }");
            for (String q : calls) {
                expectForbidden(reader, q, failures);
                if (!WRITER_MUTATIONS.contains(m.getName())) {
                    expectForbidden(writer, q, failures);
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(f.client(admin).archives()).extracting(a -> a.name()).containsExactly("s");
    }

    @Test
    void mutationBehindFragmentsAndAliases_forbidden() {
        String reader = f.token("t", Role.READER);
        List<String> failures = new ArrayList<>();
        expectForbidden(reader, "mutation M { ...F } fragment F on Mutation { x: createArchive(input: {name: 1}) "
                + "{ name } }", failures);
        expectForbidden(reader, "mutation { ... on Mutation { deleteArchive(name: \"s\") } }", failures);
        expectForbidden(reader, "query Q { archives { name } } mutation M { deleteArchive(name: \"s\") }",
                failures, "M");
        assertThat(failures).isEmpty();
        assertThat(f.client(admin).archives()).extracting(a -> a.name()).containsExactly("s");
    }

    @Test
    void ingest_readerWithBadRequest_403BeforeAnyInputCheck() throws Exception {
        String reader = f.token("t", Role.READER);
        String[][] cases = {
            {"/api/v1/archives/s/samples", "text/csv", null, "rtId,rtId\n\u00ff\n"},
            {"/api/v1/archives/s/samples", "application/x-ndjson", null, "{\"rtId\": 1, \"rtId\": 2} {}\n"},
            {"/api/v1/archives/s/samples", "application/xml", null, "<a/>"},
            {"/api/v1/archives/s/samples", "text/csv", "br", "rtId,timestamp\n"},
            {"/api/v1/archives/s/samples", "text/csv", "gzip", "not gzip"},
            {"/api/v1/archives/nope/samples", "text/csv", null, ""},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = f.send("POST", c[0], reader, c[1], c[2],
                    c[3].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(r.statusCode()).as(String.join(" | ", c)).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).path("code").asText()).isEqualTo("FORBIDDEN");
        }
    }

    private static void expectForbidden(String token, String query, List<String> failures) {
        expectForbidden(token, query, failures, null);
    }

    private static void expectForbidden(String token, String query, List<String> failures, String operation) {
        String body = "{\"query\": " + ServerFixture.quote(query)
                + (operation == null ? "" : ", \"operationName\": " + ServerFixture.quote(operation)) + "}";
        HttpResponse<String> r = f.send("POST", "/graphql", token, "application/json", body);
        String code;
        try {
            code = JSON.readTree(r.body()).path("errors").path(0).path("extensions").path("code").asText();
        } catch (Exception e) {
            code = "unreadable: " + r.body();
        }
        if (!code.equals("FORBIDDEN")) {
            failures.add(query + " → " + r.statusCode() + " " + r.body());
        }
    }

    /** {@code mutation { name(arg: value …) { __typename } }}, or without a selection for a scalar result. */
    private static String call(GraphQLFieldDefinition m, Function<GraphQLInputType, String> value) {
        String args = m.getArguments().stream().map(a -> a.getName() + ": " + value.apply(a.getType()))
                .collect(Collectors.joining(", "));
        GraphQLType out = m.getType();
        while (out instanceof GraphQLNonNull || out instanceof GraphQLList) {
            out = out instanceof GraphQLNonNull n ? n.getWrappedType() : ((GraphQLList) out).getWrappedType();
        }
        String selection = out instanceof GraphQLScalarType || out instanceof GraphQLEnumType ? "" : " { __typename }";
        return "mutation { " + m.getName() + (args.isEmpty() ? "" : "(" + args + ")") + selection + " }";
    }

    /** A value of the right type that no operation accepts: bad names, negative counts, out-of-range times. */
    private static String badValue(GraphQLInputType t) {
        if (t instanceof GraphQLNonNull n) {
            return badValue((GraphQLInputType) n.getWrappedType());
        }
        if (t instanceof GraphQLList l) {
            return "[" + badValue((GraphQLInputType) l.getWrappedType()) + "]";
        }
        if (t instanceof GraphQLEnumType e) {
            return e.getValues().get(0).getName();
        }
        if (t instanceof GraphQLInputObjectType o) {
            return o.getFieldDefinitions().stream().map((GraphQLInputObjectField x) -> x.getName() + ": "
                    + badValue(x.getType())).collect(Collectors.joining(", ", "{", "}"));
        }
        return switch (((GraphQLScalarType) t).getName()) {
            case "Int" -> "-1";
            case "Float" -> "-1.5";
            case "Boolean" -> "true";
            case "Instant" -> "\"0001-01-01T00:00:00Z\"";
            case "JSON" -> "{bad: [1, {x: null}]}";
            default -> "\"Bad Name ../\"";
        };
    }

    /** A value graphql-java refuses for the type before any resolver could run. */
    private static String wrongType(GraphQLInputType t) {
        GraphQLType u = t instanceof GraphQLNonNull n ? n.getWrappedType() : t;
        if (u instanceof GraphQLScalarType s && s.getName().equals("JSON")) {
            return badValue(t);
        }
        if (u instanceof GraphQLScalarType s && (s.getName().equals("String") || s.getName().equals("ID"))) {
            return "{not: \"a string\"}";
        }
        return u instanceof GraphQLInputObjectType || u instanceof GraphQLList ? "42" : "\"x\"";
    }
}
