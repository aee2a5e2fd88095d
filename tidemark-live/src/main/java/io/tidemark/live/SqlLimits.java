package io.tidemark.live;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;

/**
 * Bounds checked on a live query's text before the parser sees it, in one linear scan with no recursion: the
 * length, the parenthesis nesting depth, the number of operators (a long {@code OR} or {@code +} chain becomes a tree
 * as deep as it is long, which the parser, the planner and evaluation walk recursively), and that there is one
 * statement. String literals, quoted identifiers and comments are skipped. A query past a bound is refused with
 * {@code INVALID_QUERY} naming the bound and, where there is one, the position; it never reaches the parser, so it
 * costs no more than reading it.
 */
final class SqlLimits {
    /** Most characters in a live query. */
    static final int MAX_LENGTH = 16_384;
    /** Most nested parentheses. */
    static final int MAX_DEPTH = 32;
    /**
     * Most operators ({@code AND}, {@code OR}, {@code NOT}, {@code + - * /}, comparisons; a {@code *} in
     * {@code COUNT(*)} or {@code SELECT *} counts too). An {@code IN (…)} list counts as one.
     */
    static final int MAX_OPERATORS = 512;

    private SqlLimits() {}

    /** Throws {@code INVALID_QUERY} if {@code sql} passes a bound. */
    static void check(String sql) {
        if (sql.length() > MAX_LENGTH) {
            throw invalid("the query has " + sql.length() + " characters, more than the " + MAX_LENGTH
                    + " a live query may have; split it into several queries");
        }
        int depth = 0;
        int operators = 0;
        int n = sql.length();
        for (int i = 0; i < n; i++) {
            char c = sql.charAt(i);
            switch (c) {
                case '\'', '"', '`' -> i = skipQuoted(sql, i, c);
                case '-' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '-') {
                        i = skipLine(sql, i);
                    } else {
                        operators++;
                    }
                }
                case '/' -> {
                    if (i + 1 < n && sql.charAt(i + 1) == '*') {
                        i = skipBlock(sql, i);
                    } else {
                        operators++;
                    }
                }
                case '(' -> {
                    if (++depth > MAX_DEPTH) {
                        throw invalid("parentheses nested more than " + MAX_DEPTH + " deep" + at(sql, i)
                                + "; a live query may nest at most " + MAX_DEPTH);
                    }
                }
                case ')' -> depth = Math.max(0, depth - 1);
                case '+', '*', '=', '<', '>' -> operators++;
                case ';' -> {
                    if (!sql.substring(i + 1).isBlank() && !onlyComments(sql, i + 1)) {
                        throw invalid("';'" + at(sql, i) + " ends the statement, but more follows: a live query is a "
                                + "single SELECT; remove everything after the ';'");
                    }
                }
                default -> {
                    if (Character.isLetter(c) && (i == 0 || !isWordChar(sql.charAt(i - 1)))) {
                        int end = wordEnd(sql, i);
                        if (isOperatorWord(sql, i, end)) {
                            operators++;
                        }
                        i = end - 1;
                    }
                }
            }
            if (operators > MAX_OPERATORS) {
                throw invalid("the query has more than " + MAX_OPERATORS + " operators (AND, OR, NOT, + - * /, "
                        + "comparisons; the last counted" + at(sql, i) + "); write a long list of alternatives as "
                        + "x IN (…), or split the query");
            }
        }
    }

    private static boolean isOperatorWord(String sql, int from, int to) {
        int len = to - from;
        return len == 2 && sql.regionMatches(true, from, "OR", 0, 2)
                || len == 3 && (sql.regionMatches(true, from, "AND", 0, 3) || sql.regionMatches(true, from, "NOT", 0, 3));
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static int wordEnd(String sql, int i) {
        int j = i;
        while (j < sql.length() && isWordChar(sql.charAt(j))) {
            j++;
        }
        return j;
    }

    /** The index of the closing quote (a doubled quote is an escaped one), or the end. */
    private static int skipQuoted(String sql, int start, char quote) {
        for (int i = start + 1; i < sql.length(); i++) {
            if (sql.charAt(i) != quote) {
                continue;
            }
            if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                i++;
                continue;
            }
            return i;
        }
        return sql.length();
    }

    private static int skipLine(String sql, int start) {
        int nl = sql.indexOf('\n', start);
        return nl < 0 ? sql.length() : nl;
    }

    private static int skipBlock(String sql, int start) {
        int end = sql.indexOf("*/", start + 2);
        return end < 0 ? sql.length() : end + 1;
    }

    /** Whether {@code sql} from {@code from} holds only whitespace and comments. */
    private static boolean onlyComments(String sql, int from) {
        for (int i = from; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                continue;
            }
            if (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
                i = skipLine(sql, i);
            } else if (c == '/' && i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
                i = skipBlock(sql, i);
            } else {
                return false;
            }
        }
        return true;
    }

    /** " at line L, column C" for a character index (1-based). */
    static String at(String sql, int index) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < index && i < sql.length(); i++) {
            if (sql.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return " at line " + line + ", column " + col;
    }

    private static TidemarkException invalid(String message) {
        return new TidemarkException(ErrorCode.INVALID_QUERY, message);
    }
}
