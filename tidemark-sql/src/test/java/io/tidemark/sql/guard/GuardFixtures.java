package io.tidemark.sql.guard;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.FixedBucket;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupPlan;
import java.time.Duration;
import java.util.List;

/** A tenant {@code acme} with a raw archive, a second one, a rollup with an AVG, and live tables over {@code raw}. */
final class GuardFixtures {
    static final ArchiveDefinition RAW = ArchiveDefinition.raw("raw", List.of(new Column("value", ColumnType.DOUBLE),
            new Column("ok", ColumnType.BOOLEAN), new Column("note", ColumnType.VARCHAR)));
    static final ArchiveDefinition OTHER = ArchiveDefinition.raw("other", List.of(new Column("n", ColumnType.BIGINT)));
    static final ArchiveDefinition MINUTE = RollupPlan.of(RollupDefinition.builder("minute").source("raw")
            .bucket(new FixedBucket(Duration.ofMinutes(1))).aggregate(AggregateFunction.AVG, "value", "avg_value")
            .aggregate(AggregateFunction.MAX, "value", "max_value").build(), RAW).target();

    /** PostgreSQL-style names; the rollup renders as a reader view. */
    static final Relations POSTGRES = t -> switch (t.kind()) {
        case ARCHIVE -> "\"acme\".\"" + t.name() + "\"";
        case ROLLUP -> "(SELECT \"timestamp\", \"rtId\", \"avg_value__sum\" / NULLIF(\"avg_value__count\", 0) AS "
                + "\"avg_value\", \"max_value\" FROM \"acme\".\"" + t.name() + "\")";
        case LATEST, RECENT -> "\"live_" + t.kind().schema() + "\".\"" + t.name() + "\"";
    };

    static final SqlCatalog CATALOG = SqlCatalog.of("acme", List.of(SqlTable.of(RAW), SqlTable.of(OTHER),
            SqlTable.of(MINUTE), SqlTable.live(SqlTable.Kind.LATEST, RAW), SqlTable.live(SqlTable.Kind.RECENT, RAW)));

    static final SqlGuard GUARD = SqlGuard.of(CATALOG, POSTGRES);

    private GuardFixtures() {}
}
