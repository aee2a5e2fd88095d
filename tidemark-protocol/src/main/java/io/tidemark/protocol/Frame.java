package io.tidemark.protocol;

import java.util.List;
import java.util.Objects;

/**
 * One frame of the live wire protocol (docs/live-protocol.md). A WebSocket text message holds one frame (a JSON
 * object) or several in order (a JSON array of objects). Each frame's JSON has a {@code "type"} field, the name
 * returned by {@link #type()}. Immutable values.
 */
public sealed interface Frame {

    /** The frame's {@code "type"} on the wire. */
    String type();

    /**
     * {@code hello}: the first frame each way. The client sends its protocol version and capabilities; the server
     * answers with its own, the tenant of the token and the heartbeat timeout.
     *
     * @param tenant set by the server only; null from a client
     * @param heartbeatTimeoutMillis set by the server only (0 from a client): a connection silent for this long is
     *     closed, so a client pings more often than that
     */
    record Hello(int protocol, List<String> capabilities, String agent, String tenant, long heartbeatTimeoutMillis)
            implements Frame {
        public Hello {
            capabilities = List.copyOf(capabilities);
        }

        @Override
        public String type() {
            return "hello";
        }
    }

    /** {@code register}: a live query under a client-chosen id; {@code queryType} is a {@code QueryType} name. */
    record Register(String queryId, String sql, String queryType) implements Frame {
        public Register {
            Objects.requireNonNull(queryId, "queryId");
            Objects.requireNonNull(sql, "sql");
            Objects.requireNonNull(queryType, "queryType");
        }

        @Override
        public String type() {
            return "register";
        }
    }

    /** {@code unregister}: drops a query; unknown ids are ignored. */
    record Unregister(String queryId) implements Frame {
        @Override
        public String type() {
            return "unregister";
        }
    }

    /** {@code snapshotBegin}: the query's result restarts (a reset); its rows follow as {@code tupleAdded}. */
    record SnapshotBegin(String queryId, Schema schema) implements Frame {
        @Override
        public String type() {
            return "snapshotBegin";
        }
    }

    /** {@code snapshotEnd}: the query's snapshot is complete. */
    record SnapshotEnd(String queryId) implements Frame {
        @Override
        public String type() {
            return "snapshotEnd";
        }
    }

    /** What a {@link TupleFrame} does to the row with its key. */
    enum TupleKind {
        ADDED("tupleAdded"), UPDATED("tupleUpdated"), REMOVED("tupleRemoved");

        private final String wire;

        TupleKind(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /**
     * {@code tupleAdded}, {@code tupleUpdated} or {@code tupleRemoved}: one result row, by its key. Values are JSON
     * values in the schema's column order; a TIMESTAMP is an ISO-8601 string in UTC.
     */
    record TupleFrame(TupleKind kind, String queryId, List<Object> key, List<Object> values) implements Frame {
        @Override
        public String type() {
            return kind.wire();
        }
    }

    /** {@code aggMarkBegin}: generation {@code generation} begins. */
    record AggMarkBegin(long generation) implements Frame {
        @Override
        public String type() {
            return "aggMarkBegin";
        }
    }

    /** {@code aggMarkEnd}: generation {@code generation} is complete; every query's result is as of its cut. */
    record AggMarkEnd(long generation) implements Frame {
        @Override
        public String type() {
            return "aggMarkEnd";
        }
    }

    /**
     * {@code queryError}: the query failed and is dropped — final for that query id (which may be registered
     * again). {@code code} is a stable error code ({@code INVALID_QUERY}, {@code NOT_FOUND}, …).
     */
    record QueryError(String queryId, String code, String message) implements Frame {
        @Override
        public String type() {
            return "queryError";
        }
    }

    /**
     * {@code queryStatus}: the query's status changed as of this generation (sent inside it, after the query's rows).
     * {@code status} is {@code STALE} (its result misses data; {@code code} says why, e.g.
     * {@code MEMORY_BUDGET_EXCEEDED}; rows keep coming but the result is not the query's answer) or {@code OK} (it
     * equals the query again; {@code code} and {@code message} null). Not final.
     */
    record QueryStatus(String queryId, String status, String code, String message) implements Frame {
        @Override
        public String type() {
            return "queryStatus";
        }
    }

    /** {@code error}: a connection-level error (a malformed frame, a frame out of order); the connection stays. */
    record ConnectionError(String code, String message) implements Frame {
        @Override
        public String type() {
            return "error";
        }
    }

    /** {@code ping}: either side; the other answers {@code pong} with the same nonce. */
    record Ping(String nonce) implements Frame {
        @Override
        public String type() {
            return "ping";
        }
    }

    /** {@code pong}: the answer to a {@code ping}. */
    record Pong(String nonce) implements Frame {
        @Override
        public String type() {
            return "pong";
        }
    }

    /**
     * A query's result shape.
     *
     * @param keyColumns names of the key values: {@code [timestamp, rtId]}, {@code [rtId]}, or the GROUP BY
     *     expressions as written
     * @param ordered true for ORDER BY … LIMIT: clients sort by the ordered columns themselves
     */
    record Schema(List<Column> columns, List<String> keyColumns, boolean ordered) {
        public Schema {
            columns = List.copyOf(columns);
            keyColumns = List.copyOf(keyColumns);
        }
    }

    /** An output column; {@code type} is DOUBLE, BIGINT, BOOLEAN, VARCHAR or TIMESTAMP. */
    record Column(String name, String type) {}
}
