package io.tidemark.live;

import io.tidemark.core.ColumnType;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * The running state of one aggregate over all groups of an operator, in arrays indexed by group id, with
 * retraction: {@link #remove} undoes {@link #add} of the same row. COUNT and BIGINT SUM are exact (a BIGINT sum is
 * exact modulo 2^64 however values come and go, so it is right whenever the true sum fits). DOUBLE SUM keeps a
 * compensated sum (TwoSum error terms, Neumaier), so rounding does not pile up over many additions and
 * retractions. MIN / MAX keep a sorted multiset of values per group, so the next extreme is at hand when the current
 * one leaves.
 */
abstract class Accumulator {
    final Plan.Aggregate spec;

    Accumulator(Plan.Aggregate spec) {
        this.spec = spec;
    }

    static Accumulator of(Plan.Aggregate spec) {
        return switch (spec.function()) {
            case COUNT_STAR, COUNT -> new Count(spec);
            case SUM, AVG -> spec.argument().type() == ColumnType.BIGINT ? new LongSum(spec) : new DoubleSum(spec);
            case MIN, MAX -> new Extreme(spec);
        };
    }

    /** The argument of {@code row} if the row counts for this aggregate (FILTER passes, value not null), else null. */
    final Object input(Object[] row) {
        if (spec.filter() != null && !Expr.isTrue(spec.filter(), row)) {
            return null;
        }
        return spec.argument() == null ? Boolean.TRUE : spec.argument().eval(row);
    }

    final void add(int id, Object[] row) {
        Object v = input(row);
        if (v != null) {
            change(id, v, 1);
        }
    }

    final void remove(int id, Object[] row) {
        Object v = input(row);
        if (v != null) {
            change(id, v, -1);
        }
    }

    /**
     * The batch form ({@link #applyBatch}) exists for COUNT(*), and for COUNT / SUM / AVG of a plain BIGINT or DOUBLE
     * column without FILTER; it is null for the rest.
     */
    final ChangeBatch.Column batchInput(ChangeBatch batch, int side) {
        Expr arg = spec.argument();
        return arg == null ? null : batch.column(side, ((Expr.Ref) arg).index(), arg.type() == ColumnType.BIGINT);
    }

    /** Whether {@link #applyBatch} may be used: see {@link #batchInput}. */
    boolean batchable() {
        return false;
    }

    /**
     * Applies a batch in order: per change {@code i}, removes the old row if {@code oldPass[i]}, then adds the new one
     * if {@code newPass[i]}; {@code olds} / {@code neus} are the argument's cells (null for COUNT(*)), usable.
     */
    void applyBatch(int n, int[] oldIds, boolean[] oldPass, ChangeBatch.Column olds, int[] newIds, boolean[] newPass,
            ChangeBatch.Column neus) {
        throw new UnsupportedOperationException();
    }

    /**
     * Applies one side of a batch that has rows on that side only: each row with {@code pass[i]} is added
     * ({@code sign} 1) or removed (-1), in order; {@code cells} as in {@link #applyBatch}. When {@code counts} is not
     * null, the same loop also passes every such row to {@link AggregateOperator#count} (whether or not its value is
     * null), so the operator's row counts and dirty marks cost no pass of their own.
     */
    void applySide(int n, int[] ids, boolean[] pass, ChangeBatch.Column cells, int sign, AggregateOperator counts) {
        throw new UnsupportedOperationException();
    }

    final boolean plainColumnArgument(ColumnType type) {
        return spec.filter() == null && spec.argument() instanceof Expr.Ref r && r.type() == type;
    }

    /** Makes room for ids below {@code n}. */
    abstract void ensure(int n);

    abstract void change(int id, Object value, int sign);

    /** The group lost its last row: back to the empty state, exactly. */
    abstract void clear(int id);

    abstract Object result(int id);

    static final class Count extends Accumulator {
        private long[] n = new long[16];

        Count(Plan.Aggregate spec) {
            super(spec);
        }

        @Override
        void ensure(int size) {
            n = n.length >= size ? n : Arrays.copyOf(n, size);
        }

        @Override
        void change(int id, Object value, int sign) {
            n[id] += sign;
        }

        @Override
        void applySide(int size, int[] ids, boolean[] pass, ChangeBatch.Column cells, int sign,
                AggregateOperator counts) {
            long[] n = this.n;
            boolean[] present = cells == null ? pass : cells.present;
            for (int i = 0; i < size; i++) {
                if (!pass[i]) {
                    continue;
                }
                int id = ids[i];
                if (counts != null) {
                    counts.count(id, sign);
                }
                if (present[i]) {
                    n[id] += sign;
                }
            }
        }

        @Override
        boolean batchable() {
            return spec.filter() == null && (spec.argument() == null || plainColumnArgument(ColumnType.BIGINT)
                    || plainColumnArgument(ColumnType.DOUBLE));
        }

        @Override
        void applyBatch(int size, int[] oldIds, boolean[] oldPass, ChangeBatch.Column olds, int[] newIds,
                boolean[] newPass, ChangeBatch.Column neus) {
            // Integer counts commute: removals and additions need no interleaving.
            long[] n = this.n;
            boolean[] op = olds == null ? null : olds.present;
            boolean[] np = neus == null ? null : neus.present;
            for (int i = 0; i < size; i++) {
                if (oldPass[i] && (op == null || op[i])) {
                    n[oldIds[i]]--;
                }
                if (newPass[i] && (np == null || np[i])) {
                    n[newIds[i]]++;
                }
            }
        }

        @Override
        void clear(int id) {
            n[id] = 0;
        }

        @Override
        Object result(int id) {
            return n[id];
        }
    }

    /** SUM / AVG of BIGINT: exact. */
    static final class LongSum extends Accumulator {
        private long[] n = new long[16];
        private long[] sum = new long[16];

        LongSum(Plan.Aggregate spec) {
            super(spec);
        }

        @Override
        void ensure(int size) {
            if (n.length < size) {
                n = Arrays.copyOf(n, size);
                sum = Arrays.copyOf(sum, size);
            }
        }

        @Override
        void change(int id, Object value, int sign) {
            n[id] += sign;
            sum[id] += sign * (Long) value;
        }

        @Override
        boolean batchable() {
            return plainColumnArgument(ColumnType.BIGINT);
        }

        @Override
        void applySide(int size, int[] ids, boolean[] pass, ChangeBatch.Column cells, int sign,
                AggregateOperator counts) {
            long[] n = this.n;
            long[] sum = this.sum;
            boolean[] present = cells.present;
            long[] v = cells.longs;
            for (int i = 0; i < size; i++) {
                if (!pass[i]) {
                    continue;
                }
                int id = ids[i];
                if (counts != null) {
                    counts.count(id, sign);
                }
                if (present[i]) {
                    n[id] += sign;
                    sum[id] += sign * v[i];
                }
            }
        }

        @Override
        void applyBatch(int size, int[] oldIds, boolean[] oldPass, ChangeBatch.Column olds, int[] newIds,
                boolean[] newPass, ChangeBatch.Column neus) {
            // Sums modulo 2^64 commute: removals and additions need no interleaving.
            long[] n = this.n;
            long[] sum = this.sum;
            for (int i = 0; i < size; i++) {
                if (oldPass[i] && olds.present[i]) {
                    n[oldIds[i]]--;
                    sum[oldIds[i]] -= olds.longs[i];
                }
                if (newPass[i] && neus.present[i]) {
                    n[newIds[i]]++;
                    sum[newIds[i]] += neus.longs[i];
                }
            }
        }

        @Override
        void clear(int id) {
            n[id] = 0;
            sum[id] = 0;
        }

        @Override
        Object result(int id) {
            if (n[id] == 0) {
                return null;
            }
            return spec.function() == Plan.Function.AVG ? (double) sum[id] / n[id] : (Object) sum[id];
        }
    }

    /**
     * SUM / AVG of DOUBLE as a compensated sum: {@code sum + comp}, where each addition's rounding error (found
     * exactly by TwoSum) goes into {@code comp}. Adding and later subtracting the same values leaves an error of the
     * order of ε² times the magnitudes involved instead of ε per operation; the state restarts at exactly 0 whenever
     * the group's last value leaves.
     */
    static final class DoubleSum extends Accumulator {
        private long[] n = new long[16];
        private double[] sum = new double[16];
        private double[] comp = new double[16];

        DoubleSum(Plan.Aggregate spec) {
            super(spec);
        }

        @Override
        void ensure(int size) {
            if (n.length < size) {
                n = Arrays.copyOf(n, size);
                sum = Arrays.copyOf(sum, size);
                comp = Arrays.copyOf(comp, size);
            }
        }

        @Override
        void change(int id, Object value, int sign) {
            add(id, sign * (value instanceof Double d ? d : ((Number) value).doubleValue()), sign);
        }

        @Override
        boolean batchable() {
            return plainColumnArgument(ColumnType.DOUBLE);
        }

        @Override
        void applySide(int size, int[] ids, boolean[] pass, ChangeBatch.Column cells, int sign,
                AggregateOperator counts) {
            boolean[] present = cells.present;
            double[] v = cells.doubles;
            for (int i = 0; i < size; i++) {
                if (!pass[i]) {
                    continue;
                }
                int id = ids[i];
                if (counts != null) {
                    counts.count(id, sign);
                }
                if (present[i]) {
                    add(id, sign * v[i], sign);
                }
            }
        }

        @Override
        void applyBatch(int size, int[] oldIds, boolean[] oldPass, ChangeBatch.Column olds, int[] newIds,
                boolean[] newPass, ChangeBatch.Column neus) {
            // In order, change by change: the state restarts at 0 when a group's count reaches 0, which is right only
            // in the order the rows came and went.
            for (int i = 0; i < size; i++) {
                if (oldPass[i] && olds.present[i]) {
                    add(oldIds[i], -olds.doubles[i], -1);
                }
                if (newPass[i] && neus.present[i]) {
                    add(newIds[i], neus.doubles[i], 1);
                }
            }
        }

        /** Adds {@code x} (already signed) and counts {@code sign}. */
        private void add(int id, double x, int sign) {
            long count = n[id] += sign;
            if (count == 0) {
                sum[id] = 0.0;
                comp[id] = 0.0;
                return;
            }
            double s = sum[id];
            double t = s + x;
            double bp = t - s;
            comp[id] += (s - (t - bp)) + (x - bp);
            sum[id] = t;
        }

        @Override
        void clear(int id) {
            n[id] = 0;
            sum[id] = 0.0;
            comp[id] = 0.0;
        }

        @Override
        Object result(int id) {
            if (n[id] == 0) {
                return null;
            }
            double total = sum[id] + comp[id];
            return spec.function() == Plan.Function.AVG ? total / n[id] : total;
        }
    }

    /** MIN / MAX: per group a sorted multiset of its values (created when the group first has one). */
    static final class Extreme extends Accumulator {
        private TreeMap<?, ?>[] values = new TreeMap<?, ?>[16];

        Extreme(Plan.Aggregate spec) {
            super(spec);
        }

        @SuppressWarnings("unchecked")
        private TreeMap<Object, int[]> values(int id) {
            if (values[id] == null) {
                values[id] = new TreeMap<Object, int[]>(Values::compare);
            }
            return (TreeMap<Object, int[]>) values[id];
        }

        @Override
        void ensure(int size) {
            values = values.length >= size ? values : Arrays.copyOf(values, size);
        }

        @Override
        void change(int id, Object value, int sign) {
            TreeMap<Object, int[]> m = values(id);
            int[] count = m.computeIfAbsent(value, k -> new int[1]);
            count[0] += sign;
            if (count[0] == 0) {
                m.remove(value);
            }
        }

        @Override
        void clear(int id) {
            values[id] = null;
        }

        @Override
        Object result(int id) {
            @SuppressWarnings("unchecked")
            TreeMap<Object, int[]> m = (TreeMap<Object, int[]>) values[id];
            if (m == null || m.isEmpty()) {
                return null;
            }
            return spec.function() == Plan.Function.MIN ? m.firstKey() : m.lastKey();
        }
    }
}
