package io.tidemark.live;

import io.tidemark.core.ErrorCode;
import io.tidemark.core.TidemarkException;
import java.util.Locale;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.parser.ASTNodeAccess;
import net.sf.jsqlparser.parser.Token;

/**
 * The {@link ErrorCode#INVALID_QUERY} errors of one query and the positions they name: " at line L, column C"
 * (1-based) for a parse-tree node, found from its own token, else its leftmost operand, else its text in the query.
 */
final class QueryErrors {
    private final String sql;

    QueryErrors(String sql) {
        this.sql = sql;
    }

    static TidemarkException invalid(String message) {
        return new TidemarkException(ErrorCode.INVALID_QUERY, message);
    }

    /** "{@code construct} at … is not supported in a live query". */
    TidemarkException unsupported(String construct, Object node) {
        return invalid(construct + at(node) + " is not supported in a live query");
    }

    /** The position of the first occurrence of {@code word} (upper case) in the query, or "" if it is not there. */
    String atText(String word) {
        int i = sql.toUpperCase(Locale.ROOT).indexOf(word);
        return i < 0 ? "" : position(i);
    }

    /** " at line L, column C" for a parse-tree node: its own token, else its leftmost operand, else its text. */
    String at(Object node) {
        Token t = firstToken(node, 0);
        if (t != null) {
            return " at line " + t.beginLine + ", column " + t.beginColumn;
        }
        int i = node == null ? -1 : indexOfIgnoringCase(sql, node.toString().trim());
        return i < 0 ? "" : position(i);
    }

    /** A user's name for a parse-tree node's kind ("a subquery", "operator ||", …). */
    static String describe(Object node) {
        String n = node.getClass().getSimpleName();
        return switch (n) {
            case "SetOperationList" -> "UNION / INTERSECT / EXCEPT";
            case "ParenthesedSelect" -> "a subquery";
            case "ParenthesedFromItem" -> "a parenthesized FROM";
            case "Values" -> "VALUES";
            case "Insert", "Update", "Delete", "Merge", "Upsert" -> n.toUpperCase(Locale.ROOT);
            case "Concat" -> "operator ||";
            case "Modulo" -> "operator %";
            case "IsBooleanExpression" -> "IS TRUE / IS FALSE";
            case "ExistsExpression" -> "EXISTS";
            case "ParenthesedExpressionList", "ExpressionList" -> "a row constructor (a, b)";
            case "JdbcParameter", "JdbcNamedParameter" -> "a bind parameter";
            case "IntervalExpression" -> "INTERVAL outside a time window";
            default -> n;
        };
    }

    /** The parser's message on one line, without its list of expected tokens. */
    static String parserMessage(JSQLParserException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String m = String.valueOf(cause.getMessage()).replaceFirst("^[\\w.]*ParseException: ", "");
        int cut = m.indexOf("\n\nWas expecting");
        m = cut >= 0 ? m.substring(0, cut) : m;
        return m.replaceAll("\\s+", " ").trim();
    }

    private static Token firstToken(Object node, int depth) {
        if (node == null || depth > 8) {
            return null;
        }
        if (node instanceof ASTNodeAccess a && a.getASTNode() != null) {
            return a.getASTNode().jjtGetFirstToken();
        }
        if (node instanceof BinaryExpression b) {
            return firstToken(b.getLeftExpression(), depth + 1);
        }
        if (node instanceof net.sf.jsqlparser.expression.operators.relational.Between b) {
            return firstToken(b.getLeftExpression(), depth + 1);
        }
        if (node instanceof net.sf.jsqlparser.expression.operators.relational.IsNullExpression n) {
            return firstToken(n.getLeftExpression(), depth + 1);
        }
        if (node instanceof net.sf.jsqlparser.expression.operators.relational.InExpression n) {
            return firstToken(n.getLeftExpression(), depth + 1);
        }
        return null;
    }

    private String position(int index) {
        return SqlLimits.at(sql, index);
    }

    private static int indexOfIgnoringCase(String haystack, String needle) {
        if (needle.isEmpty()) {
            return -1;
        }
        return haystack.toLowerCase(Locale.ROOT).indexOf(needle.toLowerCase(Locale.ROOT));
    }
}
