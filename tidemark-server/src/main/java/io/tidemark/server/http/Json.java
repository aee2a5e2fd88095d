package io.tidemark.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON responses and the error body every endpoint but {@code /graphql} uses: {@code {code, message, …}}. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static void send(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a response", e);
        }
    }

    static Map<String, Object> error(ErrorCode code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", code.name());
        m.put("message", message);
        return m;
    }

    static void sendError(Context ctx, TidemarkException e) {
        send(ctx, status(e.code()), error(e.code(), e.getMessage()));
    }

    /** The HTTP status of an error code. */
    static int status(ErrorCode code) {
        return switch (code) {
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, IN_USE, INVALID_STATE -> 409;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case TOO_LARGE -> 413;
            case UNAVAILABLE, STORE_UNAVAILABLE, LOG_UNAVAILABLE -> 503;
            case STORE_ERROR, INTERNAL -> 500;
            default -> 400;
        };
    }
}
