package io.tidemark.server.graphql;

import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.language.ArrayValue;
import graphql.language.BooleanValue;
import graphql.language.FloatValue;
import graphql.language.IntValue;
import graphql.language.NullValue;
import graphql.language.ObjectValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.language.VariableReference;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.CoercingSerializeException;
import graphql.schema.GraphQLScalarType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The custom scalars: {@code Instant} (ISO-8601, UTC), {@code Long} (64-bit integer) and {@code JSON} (any JSON value). */
final class Scalars {
    private Scalars() {}

    static final GraphQLScalarType INSTANT = GraphQLScalarType.newScalar().name("Instant")
            .description("ISO-8601 instant in UTC, up to microsecond precision").coercing(new Coercing<Instant, String>() {
                @Override
                public String serialize(Object v, GraphQLContext ctx, Locale locale) {
                    if (v instanceof Instant t) {
                        return t.toString();
                    }
                    throw new CoercingSerializeException("not an Instant: " + v);
                }

                @Override
                public Instant parseValue(Object v, GraphQLContext ctx, Locale locale) {
                    if (v instanceof String s) {
                        return parse(s, CoercingParseValueException::new);
                    }
                    throw new CoercingParseValueException("an Instant is an ISO-8601 string such as "
                            + "2025-01-01T00:00:00Z, got " + v);
                }

                @Override
                public Instant parseLiteral(Value<?> v, CoercedVariables vars, GraphQLContext ctx, Locale locale) {
                    if (v instanceof StringValue s) {
                        return parse(s.getValue(), CoercingParseLiteralException::new);
                    }
                    throw new CoercingParseLiteralException("an Instant is an ISO-8601 string such as "
                            + "2025-01-01T00:00:00Z");
                }
            }).build();

    static final GraphQLScalarType JSON = GraphQLScalarType.newScalar().name("JSON").description("any JSON value")
            .coercing(new Coercing<Object, Object>() {
                @Override
                public Object serialize(Object v, GraphQLContext ctx, Locale locale) {
                    return v instanceof Instant t ? t.toString() : v;
                }

                @Override
                public Object parseValue(Object v, GraphQLContext ctx, Locale locale) {
                    return v;
                }

                @Override
                public Object parseLiteral(Value<?> v, CoercedVariables vars, GraphQLContext ctx, Locale locale) {
                    return literal(v, vars);
                }
            }).build();

    /** A 64-bit integer as a JSON number (GraphQL's Int is 32 bits); used for counts, which stay below 2^53. */
    static final GraphQLScalarType LONG = GraphQLScalarType.newScalar().name("Long")
            .description("a 64-bit integer, written as a JSON number").coercing(new Coercing<Long, Long>() {
                @Override
                public Long serialize(Object v, GraphQLContext ctx, Locale locale) {
                    if (v instanceof Long || v instanceof Integer) {
                        return ((Number) v).longValue();
                    }
                    throw new CoercingSerializeException("not a Long: " + v);
                }

                @Override
                public Long parseValue(Object v, GraphQLContext ctx, Locale locale) {
                    if (v instanceof Long || v instanceof Integer) {
                        return ((Number) v).longValue();
                    }
                    if (v instanceof java.math.BigInteger b && b.bitLength() < 64) {
                        return b.longValue();
                    }
                    throw new CoercingParseValueException("a Long is an integer in [-2^63, 2^63), got " + v);
                }

                @Override
                public Long parseLiteral(Value<?> v, CoercedVariables vars, GraphQLContext ctx, Locale locale) {
                    if (v instanceof IntValue i && i.getValue().bitLength() < 64) {
                        return i.getValue().longValue();
                    }
                    throw new CoercingParseLiteralException("a Long is an integer in [-2^63, 2^63)");
                }
            }).build();

    private static <E extends RuntimeException> Instant parse(String s, java.util.function.Function<String, E> error) {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw error.apply("'" + s + "' is not an ISO-8601 instant such as 2025-01-01T00:00:00Z");
        }
    }

    private static Object literal(Value<?> v, CoercedVariables vars) {
        if (v instanceof NullValue) {
            return null;
        }
        if (v instanceof StringValue s) {
            return s.getValue();
        }
        if (v instanceof BooleanValue b) {
            return b.isValue();
        }
        if (v instanceof IntValue i) {
            return i.getValue().bitLength() < 64 ? (Object) i.getValue().longValue() : i.getValue();
        }
        if (v instanceof FloatValue f) {
            return f.getValue().doubleValue();
        }
        if (v instanceof VariableReference ref) {
            return vars.get(ref.getName());
        }
        if (v instanceof ArrayValue a) {
            List<Object> out = new ArrayList<>();
            a.getValues().forEach(x -> out.add(literal(x, vars)));
            return out;
        }
        if (v instanceof ObjectValue o) {
            Map<String, Object> out = new LinkedHashMap<>();
            o.getObjectFields().forEach(f -> out.put(f.getName(), literal(f.getValue(), vars)));
            return out;
        }
        throw new CoercingParseLiteralException("unsupported JSON literal " + v);
    }
}
