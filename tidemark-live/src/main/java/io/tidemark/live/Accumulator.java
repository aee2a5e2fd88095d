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
            long count = n[id] += sign;
            if (count == 0) {
                sum[id] = 0.0;
                comp[id] = 0.0;
                return;
            }
            double x = sign * (value instanceof Double d ? d : ((Number) value).doubleValue());
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
