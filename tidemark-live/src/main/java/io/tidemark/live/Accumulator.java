package io.tidemark.live;

import java.util.TreeMap;

/**
 * The running state of one aggregate in one group, with retraction: {@link #remove} undoes {@link #add} of the
 * same row. MIN / MAX keep a sorted multiset of values, so the next extreme is at hand when the current one leaves.
 */
abstract class Accumulator {
    final Plan.Aggregate spec;

    Accumulator(Plan.Aggregate spec) {
        this.spec = spec;
    }

    static Accumulator of(Plan.Aggregate spec) {
        return switch (spec.function()) {
            case COUNT_STAR, COUNT -> new Count(spec);
            case SUM, AVG -> spec.argument().type() == io.tidemark.core.ColumnType.BIGINT ? new LongSum(spec) : new DoubleSum(spec);
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

    final void add(Object[] row) {
        Object v = input(row);
        if (v != null) {
            change(v, 1);
        }
    }

    final void remove(Object[] row) {
        Object v = input(row);
        if (v != null) {
            change(v, -1);
        }
    }

    abstract void change(Object value, int sign);

    abstract Object result();

    static final class Count extends Accumulator {
        private long n;

        Count(Plan.Aggregate spec) {
            super(spec);
        }

        @Override
        void change(Object value, int sign) {
            n += sign;
        }

        @Override
        Object result() {
            return n;
        }
    }

    /** SUM / AVG of BIGINT: exact. */
    static final class LongSum extends Accumulator {
        private long n;
        private long sum;

        LongSum(Plan.Aggregate spec) {
            super(spec);
        }

        @Override
        void change(Object value, int sign) {
            n += sign;
            sum += sign * (Long) value;
        }

        @Override
        Object result() {
            if (n == 0) {
                return null;
            }
            return spec.function() == Plan.Function.AVG ? (double) sum / n : (Object) sum;
        }
    }

    /**
     * SUM / AVG of DOUBLE. Retraction subtracts, so rounding can leave a residue; the sum restarts at exactly 0
     * whenever the group's last value leaves.
     */
    static final class DoubleSum extends Accumulator {
        private long n;
        private double sum;

        DoubleSum(Plan.Aggregate spec) {
            super(spec);
        }

        @Override
        void change(Object value, int sign) {
            n += sign;
            sum = n == 0 ? 0.0 : sum + sign * ((Number) value).doubleValue();
        }

        @Override
        Object result() {
            if (n == 0) {
                return null;
            }
            return spec.function() == Plan.Function.AVG ? sum / n : sum;
        }
    }

    static final class Extreme extends Accumulator {
        private final TreeMap<Object, int[]> values = new TreeMap<>(Values::compare);

        Extreme(Plan.Aggregate spec) {
            super(spec);
        }

        @Override
        void change(Object value, int sign) {
            int[] count = values.computeIfAbsent(value, k -> new int[1]);
            count[0] += sign;
            if (count[0] == 0) {
                values.remove(value);
            }
        }

        @Override
        Object result() {
            if (values.isEmpty()) {
                return null;
            }
            return spec.function() == Plan.Function.MIN ? values.firstKey() : values.lastKey();
        }
    }
}
