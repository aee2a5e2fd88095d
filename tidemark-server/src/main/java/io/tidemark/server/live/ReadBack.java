package io.tidemark.server.live;

import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.BatchLimits;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.Sample;
import io.tidemark.core.SampleBatch;
import io.tidemark.core.TenantId;
import io.tidemark.store.ReadRequest;
import io.tidemark.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads committed rows of an archive back from the store and applies them to its live tables: a live window when
 * an archive becomes live, a range of buckets a rollup committed. Rollup rows are turned into the values a reader
 * sees ({@link RollupPlan#readValues}). The caller holds the archive's lock in the {@link CommitFeed}. Stateless.
 */
final class ReadBack {
    private static final Logger LOG = LoggerFactory.getLogger(ReadBack.class);
    /** Rows read back per store read. */
    private static final int READ_PAGE = 100_000;
    static final BatchLimits UNLIMITED = new BatchLimits(Integer.MAX_VALUE,
            BatchLimits.DEFAULT.maxRtIdLength(), BatchLimits.DEFAULT.minTimestamp(), BatchLimits.DEFAULT.maxTimestamp(),
            Integer.MAX_VALUE);

    private final Store store;
    private final CommitFeed feed;

    ReadBack(Store store, CommitFeed feed) {
        this.store = store;
        this.feed = feed;
    }

    /**
     * Reads {@code [from, to)} of the archive {@code view} names, page by page, and applies it.
     *
     * @param view the archive as the live tables hold it (a rollup's reader view)
     * @param plan the rollup's plan, or null for a raw archive
     */
    void range(TenantId tenant, ArchiveDefinition view, RollupPlan plan, Instant from, Instant to) {
        read(tenant, view, plan, from, to, page -> feed.apply(tenant, SampleBatch.validate(view, page, UNLIMITED)));
    }

    /**
     * Reads {@code [from, to)} of the archive {@code view} names as readers see it (a rollup's rows through
     * {@link RollupPlan#readValues}) and hands each page of at most {@value #READ_PAGE} rows to {@code page}, oldest
     * first. Consecutive pages may overlap at the timestamp where one ends (rows there may continue on the next page,
     * so it is read again): a consumer that upserts does not mind, one that collects keeps the last row per key.
     *
     * @param view the archive as the live tables hold it (a rollup's reader view)
     * @param plan the rollup's plan, or null for a raw archive
     */
    void read(TenantId tenant, ArchiveDefinition view, RollupPlan plan, Instant from, Instant to,
            Consumer<List<Sample>> page) {
        Instant start = from;
        while (start.isBefore(to)) {
            List<Sample> rows = store.archives().read(tenant, new ReadRequest(view.name(), List.of(), start, to,
                    READ_PAGE));
            if (rows.isEmpty()) {
                return;
            }
            page.accept(readerValues(plan, rows));
            if (rows.size() < READ_PAGE) {
                return;
            }
            Instant last = rows.get(rows.size() - 1).timestamp();
            // Rows at the last timestamp may continue on the next page: read from it again (re-applying is a no-op).
            if (last.equals(start)) {
                LOG.warn("live: more than {} rows at {} in '{}'; the live tables hold only the first page",
                        READ_PAGE, last, view.name());
                return;
            }
            start = last;
        }
    }

    /** Stored rows as readers see them: a rollup's partials turned into values ({@code plan} null: unchanged). */
    static List<Sample> readerValues(RollupPlan plan, List<Sample> rows) {
        if (plan == null) {
            return rows;
        }
        List<Sample> samples = new ArrayList<>(rows.size());
        for (Sample s : rows) {
            samples.add(new Sample(s.rtId(), s.timestamp(), plan.readValues(s.values())));
        }
        return samples;
    }
}
