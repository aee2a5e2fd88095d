package io.tidemark.store.jdbc;

import io.tidemark.core.Bucket;
import io.tidemark.core.Micros;
import io.tidemark.core.TenantId;
import io.tidemark.store.StaleRange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Late data: which writes make which rollup buckets stale, and the stale-range record
 * ({@code tidemark.stale_ranges}). Every method runs inside the caller's transaction.
 *
 * <h2>Why a write below the watermark is never lost</h2>
 * A transaction that changes a rollup's source (an ingest into a raw archive, or the recompute of a source rollup)
 * first takes {@link SqlDialect#lockDependants() a shared lock} on the state rows of the source's direct dependants,
 * then reads them with their stale ranges in a new statement, and treats {@code max(watermark, pending_watermark)} as each one's <em>protected watermark</em>: a change
 * below it marks the covering buckets stale, in the same transaction. An aggregate takes the state row
 * {@code FOR UPDATE}, writes the bucket rows and sets {@code pending_watermark} to the end of its last bucket in
 * one transaction; the watermark itself moves later, by compare-and-set. So the two cannot interleave:
 * <ul>
 *   <li>if the writer locks first, the aggregate waits for its commit and its {@code INSERT … SELECT} (a new
 *       statement, so on PostgreSQL a new READ COMMITTED snapshot) reads the new samples;</li>
 *   <li>if the aggregate locks first, the writer waits for its commit and then reads the new
 *       {@code pending_watermark} (the read after the lock is a new statement, so a new snapshot), so a sample in
 *       a bucket the aggregate already read is below the protected watermark and marks the bucket — even though
 *       the watermark has not moved yet.</li>
 * </ul>
 * The same holds for a recompute, which takes the state row {@code FOR UPDATE} and consumes stale ranges: a writer
 * that waited for it reads the record without the consumed range, so it records its own samples' buckets again.
 * The read must not be the locking statement itself: on PostgreSQL that statement's snapshot predates the wait, it
 * would still show the consumed range, the writer's samples inside it would look already marked, and their mark
 * would be lost (the rollup then misses them for good once the record is empty; issue 10, item 1).
 * Without {@code pending_watermark} the second case would read the old watermark, mark nothing, and the sample
 * would be missing from the rollup forever once the compare-and-set moved the watermark past it. On DuckDB the
 * store's single writer lock serialises the same transactions, with the same result. Lock order is always source
 * before dependant, so these transactions cannot deadlock on state rows.
 *
 * <h2>Coalescing</h2>
 * A rollup's ranges are kept disjoint and non-adjacent: a new range merges with every range it overlaps or touches,
 * keeping the earliest {@code first_recorded_at}. Past {@link #MAX_RANGES} ranges the closest ones are merged over
 * their gap: the record stays small under heavy, scattered backfill, at the price of re-aggregating a few buckets
 * that were not stale, which is harmless (recompute is idempotent). A writer merges with the ranges it read with the
 * state rows. While writers hold the shared lock, ranges only grow (merges produce supersets); only a recompute,
 * holding the row exclusively, removes them. Two PostgreSQL writers marking the same rollup at once may each insert
 * their merged range (both hold only the shared lock); the ranges then overlap, or the record holds the same span
 * twice, until a recompute consumes them. Rows are found by span, so a merge decides what goes and what is new by
 * span too: a span the merge keeps is never deleted, whatever copies of it the record holds (see {@link #merge}).
 */
final class LateData {
    /**
     * The late-data trace: at TRACE, every marking (what a writer read, covered, kept and wrote), every consume and
     * (from the stores) every write, aggregate and recompute with the metadata version, so a lost mark can be
     * followed transaction by transaction. Off by default; costs one level check per call when off.
     */
    static final org.slf4j.Logger TRACE = org.slf4j.LoggerFactory.getLogger(LateData.class);

    /** Most ranges kept per rollup; beyond it the closest neighbours merge. */
    static final int MAX_RANGES = 64;

    private final SqlDialect d;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * A rollup reading the written archive directly.
     *
     * @param protectedUntil {@code max(watermark, pending_watermark)}; null when neither is set (nothing is late)
     * @param first the rollup's first bucket ({@code floor(startAt)}), or null; nothing before it is ever stale
     * @param stale its stale ranges, oldest first, read with the state row
     * @param watermark the published watermark alone, or null: where its next aggregate starts reading
     */
    record Dependant(String name, Bucket bucket, Instant first, Instant protectedUntil, List<StaleRange> stale,
            Instant watermark) {

        /**
         * The oldest source row this rollup may still read, floored to its bucket: its watermark (an aggregate that
         * lost its compare-and-set reads again from there, so never the pending one), or, without one, its first
         * bucket; the start of its oldest stale range when earlier. Null when it may still read any row (no
         * watermark and no {@code startAt}).
         */
        Instant neededFrom() {
            Instant from = watermark != null ? watermark : first;
            if (from == null) {
                return null;
            }
            if (!stale.isEmpty() && stale.get(0).from().isBefore(from)) {
                from = stale.get(0).from();
            }
            return bucket.floor(from);
        }
    }

    /** Where a stored range lies, without its recording time: how the statements below find its rows. */
    private record Span(Instant from, Instant to) {
        static Span of(StaleRange r) {
            return new Span(r.from(), r.to());
        }
    }

    private static Set<Span> spans(List<StaleRange> ranges) {
        Set<Span> out = new HashSet<>();
        for (StaleRange r : ranges) {
            out.add(Span.of(r));
        }
        return out;
    }

    LateData(SqlDialect dialect) {
        this.d = dialect;
    }

    /**
     * The direct dependants of {@code source} with their stale ranges, read with the shared lock described above;
     * immutable, so a store may keep them between transactions.
     */
    List<Dependant> dependants(Connection c, TenantId tenant, String source) throws SQLException {
        lockDependants(c, tenant, source);
        List<Dependant> out = new ArrayList<>(2);
        try (PreparedStatement ps = c.prepareStatement(d.dependantsWithStaleRanges())) {
            ps.setString(1, tenant.value());
            ps.setString(2, source);
            try (ResultSet rs = ps.executeQuery()) {
                Dependant last = null;
                while (rs.next()) {
                    String name = rs.getString(1);
                    if (last == null || !last.name().equals(name)) {
                        Bucket b = buckets.computeIfAbsent(rs.getString(2), Bucket::parse);
                        Instant startAt = Jdbc.getInstant(rs, 3);
                        Instant protectedUntil = later(Jdbc.getInstant(rs, 4), Jdbc.getInstant(rs, 5));
                        last = new Dependant(name, b, startAt == null ? null : b.floor(startAt), protectedUntil,
                                new ArrayList<>(), Jdbc.getInstant(rs, 4));
                        out.add(last);
                    }
                    Instant rangeFrom = Jdbc.getInstant(rs, 6);
                    if (rangeFrom != null) {
                        last.stale().add(new StaleRange(rangeFrom, Jdbc.getInstant(rs, 7), Jdbc.getInstant(rs, 8)));
                    }
                }
            }
        }
        out.replaceAll(d -> new Dependant(d.name(), d.bucket(), d.first(), d.protectedUntil(), List.copyOf(d.stale()),
                d.watermark()));
        return List.copyOf(out);
    }

    /**
     * The shared lock, as a statement of its own: what {@link #dependants} reads afterwards is read by a new
     * statement, whose snapshot (PostgreSQL, READ COMMITTED) includes every aggregate and recompute that held the
     * lock before this transaction got it.
     */
    private void lockDependants(Connection c, TenantId tenant, String source) throws SQLException {
        String lock = d.lockDependants();
        if (lock == null) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(lock)) {
            ps.setString(1, tenant.value());
            ps.setString(2, source);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // the rows are locked; what they hold is read by the next statement
                }
            }
        }
    }

    /** The greatest protected watermark in microseconds, or {@code Long.MIN_VALUE} when nothing can be late. */
    static long protectedBound(List<Dependant> dependants) {
        long bound = Long.MIN_VALUE;
        for (Dependant dep : dependants) {
            if (dep.protectedUntil() != null) {
                bound = Math.max(bound, Micros.toMicros(dep.protectedUntil()));
            }
        }
        return bound;
    }

    /** Marks the buckets holding {@code sorted[start..]} (sample timestamps, ascending) for every dependant. */
    void markSamples(Connection c, TenantId tenant, List<Dependant> dependants, long[] sorted, int start,
            Instant now) throws SQLException {
        Map<String, List<StaleRange>> covers = new LinkedHashMap<>();
        for (Dependant dep : dependants) {
            if (dep.protectedUntil() == null) {
                continue;
            }
            List<StaleRange> cover = clip(cover(dep.bucket(), sorted, start, dep.protectedUntil(), now), dep);
            if (!cover.isEmpty()) {
                covers.put(dep.name(), cover);
            }
        }
        merge(c, tenant, dependants, covers);
    }

    /** Marks the buckets of every dependant that cover the changed span {@code [from, to)}. */
    void markSpan(Connection c, TenantId tenant, List<Dependant> dependants, Instant from, Instant to, Instant now)
            throws SQLException {
        Map<String, List<StaleRange>> covers = new LinkedHashMap<>();
        for (Dependant dep : dependants) {
            Instant bound = dep.protectedUntil();
            if (bound == null || !from.isBefore(bound)) {
                continue;
            }
            Instant end = to.isBefore(bound) ? to : bound;
            List<StaleRange> cover = clip(List.of(new StaleRange(dep.bucket().floor(from), dep.bucket().ceil(end),
                    now)), dep);
            if (!cover.isEmpty()) {
                covers.put(dep.name(), cover);
            }
        }
        merge(c, tenant, dependants, covers);
    }

    /** The rollup's ranges, oldest first. */
    List<StaleRange> read(Connection c, TenantId tenant, String rollup) throws SQLException {
        List<StaleRange> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(d.selectStaleRanges())) {
            ps.setString(1, tenant.value());
            ps.setString(2, rollup);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StaleRange(Jdbc.getInstant(rs, 1), Jdbc.getInstant(rs, 2), Jdbc.getInstant(rs, 3)));
                }
            }
        }
        return out;
    }

    /**
     * Removes {@code [from, to)} from the rollup's record after it was re-aggregated: ranges inside it go, ranges
     * reaching beyond it keep their outside parts (with their recording time).
     */
    void consume(Connection c, TenantId tenant, String rollup, Instant from, Instant to) throws SQLException {
        List<StaleRange> stored = read(c, tenant, rollup);
        if (TRACE.isTraceEnabled()) {
            TRACE.trace("consume {} [{}, {}) from {}", rollup, from, to, stored);
        }
        for (StaleRange r : stored) {
            if (!r.from().isBefore(to) || !r.to().isAfter(from)) {
                continue;
            }
            delete(c, tenant, rollup, r);
            if (r.from().isBefore(from)) {
                insert(c, tenant, rollup, new StaleRange(r.from(), from, r.firstRecordedAt()));
            }
            if (r.to().isAfter(to)) {
                insert(c, tenant, rollup, new StaleRange(to, r.to(), r.firstRecordedAt()));
            }
        }
    }

    /**
     * Merges each rollup's new ranges into its stored ones, read with the dependants: nothing when the stored ranges
     * already cover the new ones (the usual case while late data keeps hitting the same buckets), else the changed
     * ranges are updated in place (a range that grew) and the rest deleted or inserted.
     *
     * <p>What goes and what is new are decided by {@link Span span}, not by the whole range: two PostgreSQL writers
     * may each have inserted the same span (with their own recording times), and the statements below find rows by
     * span, so they act on every copy. Deciding by the whole range would see one copy "merged away" into the other,
     * delete or move every copy, and lose the span's buckets for good (issue 10, item 1: found in a race of three
     * writers against a ticking orchestrator).
     */
    private void merge(Connection c, TenantId tenant, List<Dependant> dependants, Map<String, List<StaleRange>> add)
            throws SQLException {
        for (Dependant dep : dependants) {
            List<StaleRange> added = add.get(dep.name());
            if (added == null) {
                continue;
            }
            List<StaleRange> had = dep.stale();
            List<StaleRange> all = new ArrayList<>(had);
            all.addAll(added);
            List<StaleRange> merged = coalesce(all, MAX_RANGES);
            Set<Span> kept = spans(merged);
            Set<Span> stored = spans(had);
            List<StaleRange> gone = new ArrayList<>();
            Set<Span> goneSpans = new HashSet<>();
            for (StaleRange r : had) {
                if (!kept.contains(Span.of(r)) && goneSpans.add(Span.of(r))) {
                    gone.add(r);
                }
            }
            List<StaleRange> fresh = new ArrayList<>();
            for (StaleRange r : merged) {
                if (!stored.contains(Span.of(r))) {
                    fresh.add(r);
                }
            }
            if (TRACE.isTraceEnabled()) {
                TRACE.trace("mark {}: had {} added {} -> gone {} fresh {}", dep.name(), had, added, gone, fresh);
            }
            write(c, tenant, dep.name(), gone, fresh);
        }
    }

    /**
     * Replaces {@code gone} by {@code fresh}: pairs become updates, the rest deletes or inserts. An update that finds
     * its row changed by a concurrent PostgreSQL writer (both hold only the shared lock) inserts instead, so its
     * range is never lost.
     */
    private void write(Connection c, TenantId tenant, String rollup, List<StaleRange> gone, List<StaleRange> fresh)
            throws SQLException {
        int pairs = Math.min(gone.size(), fresh.size());
        for (int i = 0; i < pairs; i++) {
            update(c, tenant, rollup, gone.get(i), fresh.get(i));
        }
        for (int i = pairs; i < gone.size(); i++) {
            delete(c, tenant, rollup, gone.get(i));
        }
        for (int i = pairs; i < fresh.size(); i++) {
            insert(c, tenant, rollup, fresh.get(i));
        }
    }

    private void update(Connection c, TenantId tenant, String rollup, StaleRange from, StaleRange to)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.updateStaleRange())) {
            Jdbc.setInstant(ps, 1, to.from());
            Jdbc.setInstant(ps, 2, to.to());
            Jdbc.setInstant(ps, 3, to.firstRecordedAt());
            ps.setString(4, tenant.value());
            ps.setString(5, rollup);
            Jdbc.setInstant(ps, 6, from.from());
            Jdbc.setInstant(ps, 7, from.to());
            if (ps.executeUpdate() == 0) {
                insert(c, tenant, rollup, to);
            }
        }
    }

    private void delete(Connection c, TenantId tenant, String rollup, StaleRange r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.deleteStaleRange())) {
            ps.setString(1, tenant.value());
            ps.setString(2, rollup);
            Jdbc.setInstant(ps, 3, r.from());
            Jdbc.setInstant(ps, 4, r.to());
            ps.executeUpdate();
        }
    }

    private void insert(Connection c, TenantId tenant, String rollup, StaleRange r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(d.insertStaleRange())) {
            ps.setString(1, tenant.value());
            ps.setString(2, rollup);
            Jdbc.setInstant(ps, 3, r.from());
            Jdbc.setInstant(ps, 4, r.to());
            Jdbc.setInstant(ps, 5, r.firstRecordedAt());
            ps.executeUpdate();
        }
    }

    /**
     * The buckets holding the timestamps {@code sorted[start..]} below {@code bound}, as ranges of consecutive
     * buckets. {@code floor} runs once per distinct bucket, not per sample.
     */
    static List<StaleRange> cover(Bucket bucket, long[] sorted, int start, Instant bound, Instant now) {
        List<StaleRange> out = new ArrayList<>();
        long boundMicros = Micros.toMicros(bound);
        Instant from = null;
        Instant to = null;
        long toMicros = Long.MIN_VALUE;
        for (int i = start; i < sorted.length && sorted[i] < boundMicros; i++) {
            if (sorted[i] < toMicros) {
                continue;
            }
            Instant b = bucket.floor(Micros.fromMicros(sorted[i]));
            if (to == null || !b.equals(to)) {
                if (from != null) {
                    out.add(new StaleRange(from, to, now));
                }
                from = b;
            }
            to = bucket.next(b);
            toMicros = Micros.toMicros(to);
        }
        if (from != null) {
            out.add(new StaleRange(from, to, now));
        }
        return coalesce(out, MAX_RANGES);
    }

    /** Drops what lies before the rollup's first bucket: those buckets are never aggregated. */
    private static List<StaleRange> clip(List<StaleRange> ranges, Dependant dep) {
        if (dep.first() == null) {
            return ranges;
        }
        List<StaleRange> out = new ArrayList<>(ranges.size());
        for (StaleRange r : ranges) {
            if (!r.to().isAfter(dep.first())) {
                continue;
            }
            out.add(r.from().isBefore(dep.first()) ? new StaleRange(dep.first(), r.to(), r.firstRecordedAt()) : r);
        }
        return out;
    }

    /**
     * Merges overlapping and adjacent ranges (keeping the earliest recording time), then, while more than
     * {@code max} remain, the pairs with the smallest gaps between them.
     */
    static List<StaleRange> coalesce(List<StaleRange> ranges, int max) {
        List<StaleRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparing(StaleRange::from).thenComparing(StaleRange::to));
        List<StaleRange> out = new ArrayList<>(sorted.size());
        for (StaleRange r : sorted) {
            StaleRange last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && !r.from().isAfter(last.to())) {
                out.set(out.size() - 1, union(last, r));
            } else {
                out.add(r);
            }
        }
        return out.size() <= max ? out : closeSmallestGaps(out, max);
    }

    private static List<StaleRange> closeSmallestGaps(List<StaleRange> ranges, int max) {
        List<Integer> gaps = new ArrayList<>();
        for (int i = 0; i + 1 < ranges.size(); i++) {
            gaps.add(i);
        }
        gaps.sort(Comparator.comparing(i -> Duration.between(ranges.get(i).to(), ranges.get(i + 1).from())));
        boolean[] close = new boolean[ranges.size()];
        for (int k = 0; k < ranges.size() - max; k++) {
            close[gaps.get(k)] = true;
        }
        List<StaleRange> out = new ArrayList<>(max);
        StaleRange current = ranges.get(0);
        for (int i = 1; i < ranges.size(); i++) {
            if (close[i - 1]) {
                current = union(current, ranges.get(i));
            } else {
                out.add(current);
                current = ranges.get(i);
            }
        }
        out.add(current);
        return out;
    }

    private static StaleRange union(StaleRange a, StaleRange b) {
        return new StaleRange(a.from().isBefore(b.from()) ? a.from() : b.from(), a.to().isAfter(b.to()) ? a.to()
                : b.to(), a.firstRecordedAt().isBefore(b.firstRecordedAt()) ? a.firstRecordedAt()
                : b.firstRecordedAt());
    }

    private static Instant later(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
