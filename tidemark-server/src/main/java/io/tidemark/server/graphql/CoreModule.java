package io.tidemark.server.graphql;

import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.TypeRuntimeWiring;
import io.tidemark.core.AggregateFunction;
import io.tidemark.core.Aggregation;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Bucket;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.ErrorCode;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.Sample;
import io.tidemark.core.TidemarkException;
import io.tidemark.server.Operations;
import io.tidemark.server.auth.Caller;
import io.tidemark.store.ArchiveInfo;
import io.tidemark.store.AuditKind;
import io.tidemark.store.AuditQuery;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.RollupInfo;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Archives, rollups, the audit trail, stream data and small ingest batches: {@code graphql/tidemark.graphqls}. */
public final class CoreModule implements GraphQlModule {
    /** Most rows one streamData call returns. */
    public static final int MAX_STREAM_LIMIT = 100_000;
    /** streamData's limit when none is given. */
    static final int DEFAULT_STREAM_LIMIT = 1000;
    /** auditTrail's first when none is given. */
    static final int DEFAULT_AUDIT_FIRST = 50;

    @Override
    public String sdlResource() {
        return "graphql/tidemark.graphqls";
    }

    @Override
    public void wire(RuntimeWiring.Builder w, Operations ops) {
        Views v = new Views(ops);
        w.type(TypeRuntimeWiring.newTypeWiring("Query")
                .dataFetcher("archives", env -> counted(env, ops.archives(caller(env))).stream()
                        .map(a -> v.archive(caller(env), a)).toList())
                .dataFetcher("archive", env -> v.archive(caller(env), ops.archive(caller(env), env.getArgument("name"))))
                .dataFetcher("rollupsFor", env -> counted(env, ops.rollupsFor(caller(env), env.getArgument("archive")))
                        .stream().map(v::rollup).toList())
                .dataFetcher("rollup", env -> v.rollup(ops.rollup(caller(env), env.getArgument("name"))))
                .dataFetcher("auditTrail", env -> {
                    Operations.AuditPage page = ops.auditTrail(caller(env), auditQuery(env));
                    counted(env, page.entries());
                    return v.auditPage(page);
                })
                .dataFetcher("streamData", env -> streamData(ops, env)));
        // Read only when asked for: one store query per rollup.
        w.type(TypeRuntimeWiring.newTypeWiring("Rollup")
                .dataFetcher("staleRanges", env -> {
                    Map<String, Object> rollup = env.getSource();
                    return ops.staleRanges(caller(env), (String) rollup.get("name")).stream()
                            .map(r -> Map.of("from", r.from(), "to", r.to(), "recordedAt", r.firstRecordedAt()))
                            .toList();
                }));
        // Read only when asked for: the tenant's archives, rollups and their stale ranges.
        w.type(TypeRuntimeWiring.newTypeWiring("Archive")
                .dataFetcher("retentionStatus", env -> {
                    Map<String, Object> archive = env.getSource();
                    return Views.retention(ops.retentionStatus(caller(env), (String) archive.get("name")));
                })
                .dataFetcher("samples", env -> {
                    Map<String, Object> archive = env.getSource();
                    return Views.samples(ops.archiveStats(caller(env), (String) archive.get("name")));
                }));
        w.type(TypeRuntimeWiring.newTypeWiring("Mutation")
                .dataFetcher("createArchive", env -> v.archive(caller(env), createArchive(ops, env)))
                .dataFetcher("setArchiveRetention", env -> v.archive(caller(env), ops.setRetention(caller(env),
                        env.getArgument("name"), retention(env.getArgument("retention")))))
                .dataFetcher("setArchiveMaxLateness", env -> v.archive(caller(env), ops.setMaxLateness(caller(env),
                        env.getArgument("name"), maxLateness(env.getArgument("maxLateness")))))
                .dataFetcher("activateArchive", named(v, (c, n) -> v.archive(c, ops.activateArchive(c, n))))
                .dataFetcher("disableArchive", named(v, (c, n) -> v.archive(c, ops.disableArchive(c, n))))
                .dataFetcher("deleteArchive", named(v, (c, n) -> {
                    ops.deleteArchive(c, n);
                    return true;
                }))
                .dataFetcher("createRollupArchive", env -> v.rollup(createRollupArchive(ops, env)))
                .dataFetcher("activateRollup", named(v, (c, n) -> v.rollup(ops.activateRollup(c, n))))
                .dataFetcher("disableRollup", named(v, (c, n) -> v.rollup(ops.disableRollup(c, n))))
                .dataFetcher("freezeRollup", named(v, (c, n) -> v.rollup(ops.freezeRollup(c, n))))
                .dataFetcher("unfreezeRollup", named(v, (c, n) -> v.rollup(ops.unfreezeRollup(c, n))))
                .dataFetcher("retryRollup", named(v, (c, n) -> v.rollup(ops.retryRollup(c, n))))
                .dataFetcher("processRollup", named(v, (c, n) -> {
                    int buckets = ops.processRollup(c, n);
                    return Map.of("bucketsCommitted", buckets, "rollup", v.rollup(ops.rollup(c, n)));
                }))
                .dataFetcher("rewindRollupWatermark", env -> v.rollup(ops.rewindRollupWatermark(caller(env),
                        env.getArgument("rollupRtId"), env.getArgument("toBucketEnd"))))
                .dataFetcher("ingestSamples", env -> {
                    try {
                        return ingest(ops, env);
                    } catch (TidemarkException e) {
                        ops.ingestRejected(caller(env), io.tidemark.server.IngestRejection.of(e));
                        throw e;
                    }
                }));
    }

    /**
     * Creates the archive, then sets its maxLateness when given. The duration is parsed first, so a bad one
     * creates nothing.
     */
    private static ArchiveInfo createArchive(Operations ops, DataFetchingEnvironment env) {
        Map<String, Object> in = env.getArgument("input");
        ArchiveDefinition def = archiveInput(env);
        java.time.Duration lateness = maxLateness((String) in.get("maxLateness"));
        if (lateness != null && (lateness.isNegative() || lateness.isZero())) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "maxLateness must be a positive duration, got "
                    + lateness);
        }
        Duration retention = positiveRetention((String) in.get("retention"));
        ArchiveInfo a = ops.createArchive(caller(env), def);
        a = lateness == null ? a : ops.setMaxLateness(caller(env), def.name(), lateness);
        return retention == null ? a : ops.setRetention(caller(env), def.name(), retention);
    }

    /** Creates the rollup archive, then sets its retention when given (parsed first, so a bad one creates nothing). */
    private static RollupInfo createRollupArchive(Operations ops, DataFetchingEnvironment env) {
        Map<String, Object> in = env.getArgument("input");
        RollupDefinition def = rollupInput(env);
        Duration retention = positiveRetention((String) in.get("retention"));
        RollupInfo r = ops.createRollupArchive(caller(env), def);
        if (retention != null) {
            ops.setRetention(caller(env), def.name(), retention);
        }
        return r;
    }

    private static Duration maxLateness(String text) {
        return text == null ? null : duration("maxLateness", text);
    }

    private static Duration retention(String text) {
        return text == null ? null : duration("retention", text);
    }

    private static Duration positiveRetention(String text) {
        Duration d = retention(text);
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "retention must be a positive duration, got " + d);
        }
        return d;
    }

    private interface NamedAction {
        Object run(Caller caller, String name);
    }

    private static DataFetcher<Object> named(Views v, NamedAction action) {
        return env -> action.run(caller(env), env.getArgument("name"));
    }

    static Caller caller(DataFetchingEnvironment env) {
        return env.getGraphQlContext().get(Caller.class);
    }

    private static ArchiveDefinition archiveInput(DataFetchingEnvironment env) {
        Map<String, Object> in = env.getArgument("input");
        List<Map<String, Object>> cols = list(in.get("columns"));
        List<Column> columns = new ArrayList<>();
        for (Map<String, Object> c : cols) {
            columns.add(Column.of((String) c.get("name"), ColumnType.parseUserType((String) c.get("type"))));
        }
        return ArchiveDefinition.raw((String) in.get("name"), columns);
    }

    private static RollupDefinition rollupInput(DataFetchingEnvironment env) {
        Map<String, Object> in = env.getArgument("input");
        RollupDefinition.Builder b = RollupDefinition.builder((String) in.get("name"))
                .source((String) in.get("source"))
                .bucket(Bucket.parse((String) in.get("bucket"), (String) in.get("timeZone")));
        for (Map<String, Object> a : list(in.get("aggregations"))) {
            b.aggregations(List.of(Aggregation.of(AggregateFunction.parse((String) a.get("function")),
                    (String) a.get("column"), (String) a.get("as"))));
        }
        if (in.get("watermarkLag") != null) {
            b.watermarkLag(duration("watermarkLag", (String) in.get("watermarkLag")));
        }
        if (in.get("maxFailures") != null) {
            b.maxFailures((Integer) in.get("maxFailures"));
        }
        if (in.get("startAt") != null) {
            b.startAt((Instant) in.get("startAt"));
        }
        return b.build();
    }

    private static Duration duration(String field, String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, field + " '" + text
                    + "' is not an ISO-8601 duration such as PT5M");
        }
    }

    private static AuditQuery auditQuery(DataFetchingEnvironment env) {
        int first = env.getArgumentOrDefault("first", DEFAULT_AUDIT_FIRST);
        if (first < 1 || first > AuditQuery.MAX_LIMIT) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "first must be 1.." + AuditQuery.MAX_LIMIT
                    + ", got " + first);
        }
        List<String> kinds = env.getArgument("kinds");
        Set<AuditKind> kindSet = EnumSet.noneOf(AuditKind.class);
        if (kinds != null) {
            kinds.forEach(k -> kindSet.add(AuditKind.valueOf(k)));
        }
        String before = env.getArgument("before");
        return new AuditQuery(caller(env).tenant(), env.getArgument("subject"), kindSet, env.getArgument("from"),
                env.getArgument("to"), before == null ? 0 : cursor(before), first);
    }

    private static long cursor(String before) {
        try {
            return Long.parseLong(before);
        } catch (NumberFormatException e) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "before '" + before
                    + "' is not a cursor; pass a previous page's nextBefore");
        }
    }

    /**
     * Reads at most what the response budget has left plus one row, so an over-large response is refused before
     * its rows are built into it.
     */
    private static List<Map<String, Object>> streamData(Operations ops, DataFetchingEnvironment env) {
        ReadRequest r = readRequest(env);
        ResponseBudget budget = ResponseBudget.of(env);
        ReadRequest bounded = new ReadRequest(r.archive(), r.rtIds(), r.from(), r.to(), budget.available(r.limit()),
                r.after());
        List<Operations.DataRow> rows = ops.streamData(caller(env), bounded);
        budget.take(rows.size());
        return rows.stream().map(Views::row).toList();
    }

    /** Takes the list's items from the response budget. */
    private static <T> List<T> counted(DataFetchingEnvironment env, List<T> items) {
        ResponseBudget.of(env).take(items.size());
        return items;
    }

    private static ReadRequest readRequest(DataFetchingEnvironment env) {
        int limit = env.getArgumentOrDefault("limit", DEFAULT_STREAM_LIMIT);
        if (limit < 1 || limit > MAX_STREAM_LIMIT) {
            throw new TidemarkException(ErrorCode.INVALID_ARGUMENT, "limit must be 1.." + MAX_STREAM_LIMIT + ", got "
                    + limit + "; page with after: for more");
        }
        List<String> rtIds = env.getArgument("rtIds");
        String after = env.getArgument("after");
        return new ReadRequest(env.getArgument("archive"), rtIds == null ? List.of() : rtIds, env.getArgument("from"),
                env.getArgument("to"), limit, after == null ? null : StreamCursor.decode(after));
    }

    private static Map<String, Object> ingest(Operations ops, DataFetchingEnvironment env) {
        Caller c = caller(env);
        String archive = env.getArgument("archive");
        List<Map<String, Object>> in = list(env.getArgument("samples"));
        Operations.WritableArchive a = ops.writableArchive(c, archive);
        List<Sample> samples = new ArrayList<>(in.size());
        for (int i = 0; i < in.size() && i <= ops.config().graphqlMaxIngestRows(); i++) {
            Map<String, Object> s = in.get(i);
            Object values = s.get("values");
            if (values != null && !(values instanceof Map)) {
                throw new TidemarkException(ErrorCode.INVALID_BATCH, "sample " + (i + 1)
                        + ": values must be an object of column → value");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = values == null ? Map.of() : (Map<String, Object>) values;
            samples.add(new Sample((String) s.get("rtId"), (Instant) s.get("timestamp"), map));
        }
        if (in.size() > ops.config().graphqlMaxIngestRows()) {
            throw io.tidemark.core.BatchLimits.tooManyRows(ops.config().graphqlMaxIngestRows());
        }
        int written = ops.ingest(a, samples, ops.config().graphqlMaxIngestRows());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("archive", archive);
        out.put("written", written);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }

    /** Domain values as the maps the schema's types read. */
    private static final class Views {
        private final Operations ops;

        Views(Operations ops) {
            this.ops = ops;
        }

        Map<String, Object> archive(Caller c, ArchiveInfo a) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", a.name());
            m.put("kind", a.definition().isRollup() ? "ROLLUP" : "RAW");
            m.put("status", a.status().name());
            m.put("maxLateness", a.maxLateness() == null ? null : a.maxLateness().toString());
            m.put("retention", a.retention() == null ? null : a.retention().toString());
            RollupDefinition r = a.definition().rollup();
            if (r == null) {
                m.put("columns", a.definition().columns().stream().map(Views::column).toList());
                m.put("rollup", null);
                return m;
            }
            List<Map<String, Object>> cols = new ArrayList<>();
            for (Aggregation g : r.aggregations()) {
                ColumnType t = g.function() == AggregateFunction.AVG ? ColumnType.DOUBLE
                        : a.definition().requireColumn(g.as()).type();
                cols.add(Map.of("name", g.as(), "type", t.name()));
            }
            m.put("columns", cols);
            m.put("rollup", rollup(ops.rollup(c, a.name())));
            return m;
        }

        static Map<String, Object> samples(io.tidemark.store.ArchiveStats s) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", s.rows());
            m.put("countEstimated", s.rowsEstimated());
            m.put("earliest", s.earliest());
            m.put("latest", s.latest());
            return m;
        }

        static Map<String, Object> retention(io.tidemark.rollup.RetentionStatus s) {
            if (s == null) {
                return null;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("horizon", s.horizon());
            m.put("deletableBefore", s.deletableBefore());
            m.put("blocked", s.blocked());
            m.put("blockedBy", s.blockedBy().stream().map(b -> {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("rollup", b.rollup());
                x.put("reason", b.reason());
                x.put("neededFrom", b.neededFrom());
                return x;
            }).toList());
            return m;
        }

        private static Map<String, Object> column(Column c) {
            return Map.of("name", c.name(), "type", c.type().name());
        }

        Map<String, Object> rollup(RollupInfo r) {
            RollupDefinition d = r.plan().definition();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", d.name());
            m.put("source", d.source());
            m.put("bucket", d.bucket().spec());
            List<Map<String, Object>> aggs = new ArrayList<>();
            for (Aggregation a : d.aggregations()) {
                Map<String, Object> g = new LinkedHashMap<>();
                g.put("function", a.function().name());
                g.put("column", a.column());
                g.put("as", a.as());
                aggs.add(g);
            }
            m.put("aggregations", aggs);
            m.put("watermarkLag", d.watermarkLag().toString());
            m.put("maxFailures", d.maxFailures());
            m.put("startAt", d.startAt());
            m.put("status", r.state().status().name());
            m.put("frozen", r.state().frozen());
            m.put("watermark", r.state().watermark());
            m.put("lagSeconds", ops.lagSeconds(r));
            m.put("consecutiveFailures", r.state().consecutiveFailures());
            m.put("lastError", r.state().lastError());
            m.put("lastSuccessAt", r.state().lastSuccessAt());
            m.put("oldestStaleAgeSeconds", ops.oldestStaleAgeSeconds(r));
            return m;
        }

        Map<String, Object> auditPage(Operations.AuditPage p) {
            List<Map<String, Object>> entries = p.entries().stream().map(e -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", String.valueOf(e.id()));
                m.put("at", e.at());
                m.put("kind", e.kind().name());
                m.put("subject", e.subject());
                m.put("actor", e.actor());
                m.put("message", e.message());
                return m;
            }).toList();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("entries", entries);
            m.put("nextBefore", p.nextBefore() == 0 ? null : String.valueOf(p.nextBefore()));
            return m;
        }

        static Map<String, Object> row(Operations.DataRow r) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("timestamp", r.timestamp());
            m.put("rtId", r.rtId());
            m.put("values", r.values());
            m.put("cursor", StreamCursor.encode(new ReadRequest.Key(r.timestamp(), r.rtId())));
            return m;
        }
    }
}
