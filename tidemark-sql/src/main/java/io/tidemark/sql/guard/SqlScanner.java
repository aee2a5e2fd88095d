package io.tidemark.sql.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The linear scans the guard makes before any parser: splitting a text into statements at the {@code ;} outside
 * literals, quoted names and comments, checking {@link GuardLimits} on the way, and a small tokenizer for the
 * commands JSqlParser does not read ({@code COPY}, {@code SET}, {@code SHOW}, transaction control). No recursion, so
 * it costs no more than reading the text.
 */
final class SqlScanner {

    /** One statement of a text, and where it starts (0-based) in the text. */
    record Piece(String text, int offset) {}

    /** A word (case-folded), a quoted name, a string literal (unquoted), a number or one punctuation character. */
    record Token(Type type, String text, int offset) {
        enum Type { WORD, QUOTED_NAME, STRING, NUMBER, PUNCT }

        boolean is(String word) {
            return (type == Type.WORD || type == Type.PUNCT) && text.equals(word);
        }
    }

    private SqlScanner() {}

    /**
     * Splits {@code sql} into its statements, leaving out those made only of whitespace and comments.
     *
     * @throws GuardException 54000 or 54001 past a limit, 42601 for an unterminated literal or comment
     */
    static List<Piece> split(String sql, GuardLimits limits) {
        if (sql.length() > limits.maxLength()) {
            throw new GuardException(GuardException.PROGRAM_LIMIT_EXCEEDED, "the statement text has " + sql.length()
                    + " characters, more than the " + limits.maxLength() + " allowed; split it or use bind parameters");
        }
        List<Piece> out = new ArrayList<>();
        int start = 0;
        int depth = 0;
        int operators = 0;
        int n = sql.length();
        for (int i = 0; i < n; i++) {
            char c = sql.charAt(i);
            int skipped = skip(sql, i);
            if (skipped != i) {
                i = skipped;
                continue;
            }
            switch (c) {
                case '(' -> {
                    if (++depth > limits.maxDepth()) {
                        throw new GuardException(GuardException.STATEMENT_TOO_COMPLEX, "parentheses nested more than "
                                + limits.maxDepth() + " deep; simplify the statement", i + 1);
                    }
                }
                case ')' -> depth = Math.max(0, depth - 1);
                case '+', '-', '*', '/', '=', '<', '>' -> operators++;
                case ';' -> {
                    add(out, sql, start, i);
                    start = i + 1;
                    depth = 0;
                    operators = 0;
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
            if (operators > limits.maxOperators()) {
                throw new GuardException(GuardException.STATEMENT_TOO_COMPLEX, "the statement has more than "
                        + limits.maxOperators() + " operators; write long lists of alternatives as x IN (…), or "
                        + "split the statement", i + 1);
            }
        }
        add(out, sql, start, n);
        return out;
    }

    private static void add(List<Piece> out, String sql, int from, int to) {
        String text = sql.substring(from, to);
        if (!onlyComments(text)) {
            out.add(new Piece(text, from));
        }
    }

    /**
     * If a literal, quoted name or comment starts at {@code i}, the index of its last character; otherwise {@code i}.
     *
     * @throws GuardException 42601 when it does not end
     */
    static int skip(String sql, int i) {
        char c = sql.charAt(i);
        int n = sql.length();
        boolean wordBefore = i > 0 && isWordChar(sql.charAt(i - 1));
        if (c == '\'') {
            boolean backslashes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                    && (i < 2 || !isWordChar(sql.charAt(i - 2)));
            return closeQuote(sql, i, '\'', backslashes, "string literal");
        }
        if (c == '"') {
            return closeQuote(sql, i, '"', false, "quoted name");
        }
        if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
            int nl = sql.indexOf('\n', i);
            return nl < 0 ? n - 1 : nl;
        }
        if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
            return closeBlockComment(sql, i);
        }
        if (c == '$' && !wordBefore) {
            int tagEnd = i + 1;
            while (tagEnd < n && (Character.isLetter(sql.charAt(tagEnd)) || sql.charAt(tagEnd) == '_'
                    || tagEnd > i + 1 && Character.isDigit(sql.charAt(tagEnd)))) {
                tagEnd++;
            }
            if (tagEnd < n && sql.charAt(tagEnd) == '$') {
                String tag = sql.substring(i, tagEnd + 1);
                int close = sql.indexOf(tag, tagEnd + 1);
                if (close < 0) {
                    throw GuardException.syntax("unterminated dollar-quoted string", i + 1);
                }
                return close + tag.length() - 1;
            }
        }
        return i;
    }

    private static int closeQuote(String sql, int start, char quote, boolean backslashes, String what) {
        for (int i = start + 1; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (backslashes && c == '\\') {
                i++;
            } else if (c == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        throw GuardException.syntax("unterminated " + what, start + 1);
    }

    /** PostgreSQL's block comments nest. */
    private static int closeBlockComment(String sql, int start) {
        int level = 0;
        for (int i = start; i + 1 < sql.length(); i++) {
            if (sql.charAt(i) == '/' && sql.charAt(i + 1) == '*') {
                level++;
                i++;
            } else if (sql.charAt(i) == '*' && sql.charAt(i + 1) == '/') {
                if (--level == 0) {
                    return i + 1;
                }
                i++;
            }
        }
        throw GuardException.syntax("unterminated /* comment", start + 1);
    }

    static boolean onlyComments(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                continue;
            }
            int end = skip(text, i);
            if (end == i || c == '\'' || c == '"' || c == '$') {
                return false;
            }
            i = end;
        }
        return true;
    }

    /** The tokens of one statement; comments and whitespace dropped. */
    static List<Token> tokens(String text) {
        List<Token> out = new ArrayList<>();
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                continue;
            }
            int end = skip(text, i);
            if (c == '\'' || c == '"') {
                String body = text.substring(i + 1, end).replace(String.valueOf(c) + c, String.valueOf(c));
                out.add(new Token(c == '"' ? Token.Type.QUOTED_NAME : Token.Type.STRING, body, i));
                i = end;
            } else if (end != i) {
                i = end;
            } else if (Character.isLetter(c) || c == '_') {
                int w = wordEnd(text, i);
                if (w < n && text.charAt(w) == '\'' && w == i + 1 && (c == 'E' || c == 'e')) {
                    continue;
                }
                out.add(new Token(Token.Type.WORD, text.substring(i, w).toLowerCase(Locale.ROOT), i));
                i = w - 1;
            } else if (Character.isDigit(c) || c == '+' || c == '-' || c == '.') {
                int w = i + 1;
                while (w < n && (Character.isDigit(text.charAt(w)) || text.charAt(w) == '.')) {
                    w++;
                }
                out.add(new Token(w == i + 1 && !Character.isDigit(c) ? Token.Type.PUNCT : Token.Type.NUMBER,
                        text.substring(i, w), i));
                i = w - 1;
            } else {
                out.add(new Token(Token.Type.PUNCT, String.valueOf(c), i));
            }
        }
        return out;
    }

    static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static int wordEnd(String sql, int i) {
        int j = i;
        while (j < sql.length() && isWordChar(sql.charAt(j))) {
            j++;
        }
        return j;
    }

    private static boolean isOperatorWord(String sql, int from, int to) {
        int len = to - from;
        return len == 2 && sql.regionMatches(true, from, "OR", 0, 2)
                || len == 3 && (sql.regionMatches(true, from, "AND", 0, 3) || sql.regionMatches(true, from, "NOT", 0, 3));
    }

    /** The 1-based index in {@code text} of a 1-based line and column, as JavaCC reports positions. */
    static int position(String text, int line, int column) {
        int l = 1;
        int i = 0;
        while (l < line && i < text.length()) {
            if (text.charAt(i++) == '\n') {
                l++;
            }
        }
        return Math.min(text.length(), i + column - 1) + 1;
    }
}
