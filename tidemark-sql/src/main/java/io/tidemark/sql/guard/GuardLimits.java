package io.tidemark.sql.guard;

/**
 * Bounds checked on a text in one linear scan before the parser sees it, as the live planner's {@code SqlLimits}
 * does: its length, the parenthesis nesting depth and the number of operators (a long {@code OR} or {@code +} chain
 * becomes a tree as deep as it is long, which the parser and the walk visit recursively). A text past a bound costs no
 * more than reading it.
 *
 * @param maxLength most characters in one text (all its statements); past it, SQLSTATE 54000
 * @param maxDepth most nested parentheses; past it, 54001
 * @param maxOperators most operators ({@code AND OR NOT + - * / = < >}) in one statement; past it, 54001
 */
public record GuardLimits(int maxLength, int maxDepth, int maxOperators) {
    /** 64 Ki characters, 48 levels, 2,048 operators: generous for Grafana's and BI tools' queries. */
    public static final GuardLimits DEFAULT = new GuardLimits(65_536, 48, 2_048);

    public GuardLimits {
        if (maxLength < 1 || maxDepth < 1 || maxOperators < 1) {
            throw new IllegalArgumentException("every limit must be positive: " + maxLength + ", " + maxDepth + ", "
                    + maxOperators);
        }
    }
}
