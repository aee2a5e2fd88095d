package io.tidemark.live;

import io.tidemark.core.ColumnType;

/**
 * A WHERE evaluated a column at a time over one side of a {@link ChangeBatch}: {@code column op constant} over a
 * BIGINT or DOUBLE column, and AND / OR of such. Same outcome as {@link Expr#isTrue} per row (only TRUE admits; a
 * null cell makes a comparison unknown, so AND and OR of admitted-or-not reduce to {@code &} and {@code |}). Other
 * predicates have no batch form ({@link #of} returns null) and their operators go row by row.
 */
abstract class BatchPredicate {
    /**
     * Sets {@code pass[i]} for each change of one side (false where there is no row); returns false, with {@code pass}
     * undefined, if a cell was not of its column's Java type.
     */
    abstract boolean eval(ChangeBatch batch, int side, boolean[] pass);

    /** The batch form of {@code where}, or null if it has none. */
    static BatchPredicate of(Expr where) {
        if (where instanceof Expr.CompareColumnConst c) {
            ColumnType t = c.left().type();
            return t == ColumnType.BIGINT || t == ColumnType.DOUBLE ? new Compare(c, t == ColumnType.BIGINT) : null;
        }
        if (where instanceof Expr.And a) {
            return both(a.left(), a.right(), true);
        }
        if (where instanceof Expr.Or o) {
            return both(o.left(), o.right(), false);
        }
        return null;
    }

    private static BatchPredicate both(Expr left, Expr right, boolean and) {
        BatchPredicate l = of(left);
        BatchPredicate r = of(right);
        return l == null || r == null ? null : new Junction(l, r, and);
    }

    private static final class Junction extends BatchPredicate {
        private final BatchPredicate left;
        private final BatchPredicate right;
        private final boolean and;
        private boolean[] scratch = new boolean[0];

        Junction(BatchPredicate left, BatchPredicate right, boolean and) {
            this.left = left;
            this.right = right;
            this.and = and;
        }

        @Override
        boolean eval(ChangeBatch batch, int side, boolean[] pass) {
            int n = batch.size();
            if (scratch.length < n) {
                scratch = new boolean[pass.length];
            }
            if (!left.eval(batch, side, pass) || !right.eval(batch, side, scratch)) {
                return false;
            }
            boolean[] r = scratch;
            for (int i = 0; i < n; i++) {
                pass[i] = and ? pass[i] & r[i] : pass[i] | r[i];
            }
            return true;
        }
    }

    /** {@code column op constant}, compared exactly as {@link Expr.CompareColumnConst} does. */
    private static final class Compare extends BatchPredicate {
        private final Expr.CmpOp op;
        private final int index;
        private final boolean longColumn;
        private final boolean exact;
        private final long k;
        private final double kd;

        Compare(Expr.CompareColumnConst c, boolean longColumn) {
            this.op = c.op();
            this.index = c.index();
            this.longColumn = longColumn;
            this.exact = longColumn && c.constIsLong();
            this.k = c.longValue();
            this.kd = c.doubleValue();
        }

        @Override
        boolean eval(ChangeBatch batch, int side, boolean[] pass) {
            ChangeBatch.Column col = batch.column(side, index, longColumn);
            if (!col.usable) {
                return false;
            }
            int n = batch.size();
            if (exact) {
                exact(col.longs, col.present, n, pass);
            } else if (longColumn) {
                long[] v = col.longs;
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = v[i];
                }
                inexact(d, col.present, n, pass);
            } else {
                inexact(col.doubles, col.present, n, pass);
            }
            return true;
        }

        /** One branch-free loop per operator (the operator is not tested per row). */
        private void exact(long[] v, boolean[] present, int n, boolean[] pass) {
            long k = this.k;
            switch (op) {
                case EQ -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & v[i] == k; } }
                case NE -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & v[i] != k; } }
                case LT -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & v[i] < k; } }
                case LE -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & v[i] <= k; } }
                case GT -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & v[i] > k; } }
                case GE -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & v[i] >= k; } }
            }
        }

        /**
         * As {@link Expr.CompareColumnConst}: {@code c = d < k ? -1 : d > k ? 1 : 0}, so a NaN compares equal; each
         * operator below is {@code holds(c)} written without c.
         */
        private void inexact(double[] v, boolean[] present, int n, boolean[] pass) {
            double k = kd;
            switch (op) {
                case EQ -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & !(v[i] < k) & !(v[i] > k); } }
                case NE -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & (v[i] < k | v[i] > k); } }
                case LT -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & v[i] < k; } }
                case LE -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & !(v[i] > k); } }
                case GT -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & v[i] > k; } }
                case GE -> { for (int i = 0; i < n; i++) { pass[i] = present[i] & !(v[i] < k); } }
            }
        }
    }
}
