package io.tidemark.sql.guard;

import io.tidemark.sql.guard.SqlScanner.Token;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The statements besides queries that the guard reads itself, from tokens, because JSqlParser does not read them
 * ({@code COPY}) or reads them too loosely ({@code SET}): {@code COPY … TO STDOUT}, harmless {@code SET} /
 * {@code RESET}, {@code SHOW} and transaction control. Each answers a {@link GuardedStatement} or throws.
 */
final class Commands {
    private static final Map<String, String> UTC = Map.of("utc", "UTC", "etc/utc", "UTC", "gmt", "UTC", "z", "UTC",
            "utc0", "UTC", "+00:00", "UTC", "0", "UTC", "zulu", "UTC", "etc/gmt", "UTC", "universal", "UTC");

    private Commands() {}

    /** {@code COPY (query) TO STDOUT [options]} or {@code COPY table [(columns)] TO STDOUT [options]}. */
    static GuardedStatement copy(String text, List<Token> t, java.util.function.BiFunction<String, Integer,
            GuardedStatement.Query> query) {
        int i = 1;
        String select;
        int selectOffset;
        if (i < t.size() && t.get(i).is("(")) {
            int close = matchingParen(text, t.get(i).offset());
            select = text.substring(t.get(i).offset() + 1, close);
            selectOffset = t.get(i).offset() + 1;
            while (i < t.size() && t.get(i).offset() <= close) {
                i++;
            }
        } else {
            int start = i;
            while (i < t.size() && !t.get(i).is("to") && !t.get(i).is("from")) {
                i++;
            }
            if (i == start) {
                throw GuardException.syntax("COPY needs a query in parentheses or a table name", 1);
            }
            int end = i < t.size() ? t.get(i).offset() : text.length();
            select = copyTable(text.substring(t.get(start).offset(), end));
            selectOffset = -1;
        }
        if (i < t.size() && t.get(i).is("from")) {
            throw GuardException.refused("COPY … FROM is not allowed: SQL over Tidemark is read-only (write samples "
                    + "through the ingest API)");
        }
        if (i >= t.size() || !t.get(i).is("to")) {
            throw GuardException.syntax("COPY needs TO STDOUT", 1);
        }
        i++;
        if (i >= t.size() || !t.get(i).is("stdout")) {
            throw GuardException.refused("COPY … TO a file or program is not allowed: only COPY … TO STDOUT (psql's "
                    + "\\copy writes the file on the client)");
        }
        CopyFormat format = copyOptions(t, i + 1);
        GuardedStatement.Query q = query.apply(select, selectOffset);
        return new GuardedStatement.CopyOut(q, format);
    }

    /** {@code table [(a, b)]} as a query: {@code SELECT a, b FROM table}; the guard checks the table as usual. */
    private static String copyTable(String target) {
        int paren = target.indexOf('(');
        if (paren < 0) {
            return "SELECT * FROM " + target;
        }
        return "SELECT " + target.substring(paren + 1, target.lastIndexOf(')')) + " FROM " + target.substring(0, paren);
    }

    private static int matchingParen(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            int skipped = SqlScanner.skip(text, i);
            if (skipped != i) {
                i = skipped;
                continue;
            }
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        throw GuardException.syntax("COPY's query has no closing parenthesis", open + 1);
    }

    /** PostgreSQL's option list {@code (FORMAT csv, HEADER, …)} or the old {@code WITH CSV HEADER …} words. */
    private static CopyFormat copyOptions(List<Token> t, int from) {
        boolean csv = false;
        Boolean header = null;
        Character delimiter = null;
        String nullString = null;
        Character quote = null;
        Character escape = null;
        for (int i = from; i < t.size(); i++) {
            Token k = t.get(i);
            if (k.is("with") || k.is("(") || k.is(")") || k.is(",")) {
                continue;
            }
            String option = k.text();
            Token v = i + 1 < t.size() && !t.get(i + 1).is(",") && !t.get(i + 1).is(")") ? t.get(i + 1) : null;
            if (v != null && v.is("as")) {
                v = i + 2 < t.size() ? t.get(++i + 1) : null;
            }
            switch (option) {
                case "csv" -> csv = true;
                case "binary" -> throw new GuardException(GuardException.FEATURE_NOT_SUPPORTED,
                        "COPY … (FORMAT binary) is not supported: use text or csv");
                case "format" -> {
                    String f = require(v, option).toLowerCase(Locale.ROOT);
                    if (f.equals("binary")) {
                        throw new GuardException(GuardException.FEATURE_NOT_SUPPORTED,
                                "COPY … (FORMAT binary) is not supported: use text or csv");
                    }
                    if (!f.equals("csv") && !f.equals("text")) {
                        throw GuardException.syntax("COPY format \"" + f + "\" not recognized", k.offset() + 1);
                    }
                    csv = f.equals("csv");
                    i++;
                }
                case "header" -> {
                    header = v == null || !isBoolean(v) || truthy(v.text());
                    i += v != null && isBoolean(v) ? 1 : 0;
                }
                case "delimiter" -> {
                    delimiter = oneChar(require(v, option), option);
                    i++;
                }
                case "null" -> {
                    nullString = require(v, option);
                    i++;
                }
                case "quote" -> {
                    quote = oneChar(require(v, option), option);
                    i++;
                }
                case "escape" -> {
                    escape = oneChar(require(v, option), option);
                    i++;
                }
                case "encoding" -> {
                    String enc = require(v, option).toLowerCase(Locale.ROOT).replace("-", "");
                    if (!enc.equals("utf8") && !enc.equals("unicode")) {
                        throw new GuardException(GuardException.FEATURE_NOT_SUPPORTED, "COPY encoding " + enc
                                + " is not supported: rows are written in UTF8");
                    }
                    i++;
                }
                default -> throw GuardException.syntax("COPY option \"" + option + "\" not recognized (allowed: "
                        + "FORMAT text|csv, HEADER, DELIMITER, NULL, QUOTE, ESCAPE, ENCODING 'UTF8')", k.offset() + 1);
            }
        }
        CopyFormat base = csv ? CopyFormat.CSV : CopyFormat.TEXT;
        char q = quote == null ? base.quote() : quote;
        return new CopyFormat(csv, header != null && header && csv, delimiter == null ? base.delimiter() : delimiter,
                nullString == null ? base.nullString() : nullString, q, escape == null ? q : escape);
    }

    private static boolean isBoolean(Token v) {
        return switch (v.text().toLowerCase(Locale.ROOT)) {
            case "true", "false", "on", "off", "1", "0" -> true;
            default -> false;
        };
    }

    private static boolean truthy(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "on", "1" -> true;
            default -> false;
        };
    }

    private static String require(Token v, String option) {
        if (v == null || v.type() == Token.Type.PUNCT) {
            throw GuardException.syntax("COPY option " + option.toUpperCase(Locale.ROOT) + " needs a value", 1);
        }
        return v.text();
    }

    private static char oneChar(String v, String option) {
        if (v.length() != 1) {
            throw GuardException.syntax("COPY " + option.toUpperCase(Locale.ROOT) + " must be a single character", 1);
        }
        return v.charAt(0);
    }

    /**
     * {@code SET [SESSION | LOCAL] name {TO | =} value [, …]}, {@code SET TIME ZONE value}, {@code RESET name},
     * {@code RESET ALL}: answered as a no-op when the setting and value are harmless.
     */
    static GuardedStatement set(List<Token> t, String tenant) {
        boolean reset = t.get(0).is("reset");
        int i = 1;
        if (!reset && i < t.size() && (t.get(i).is("session") || t.get(i).is("local"))) {
            i++;
        }
        if (i >= t.size()) {
            throw GuardException.syntax("SET needs a setting name", 1);
        }
        String name = t.get(i).text().toLowerCase(Locale.ROOT);
        i++;
        boolean timeZone = name.equals("time") && i < t.size() && t.get(i).is("zone");
        if (!timeZone && !name.equals("all") && !SqlGuard.HARMLESS_SETTINGS.containsKey(name)) {
            throw GuardException.refused((reset ? "RESET " : "SET ") + name + " is not allowed; settings that may be "
                    + "set or reset (as no-ops): " + SqlGuard.HARMLESS_SETTINGS.values());
        }
        if (timeZone) {
            name = "timezone";
            i++;
        } else if (!reset && i < t.size() && (t.get(i).is("to") || t.get(i).is("="))) {
            i++;
        } else if (!reset) {
            throw GuardException.syntax("SET " + name + " needs TO or = and a value", 1);
        }
        if (reset) {
            return resetNoOp(name, i, t);
        }
        StringBuilder value = new StringBuilder();
        for (int k = i; k < t.size(); k++) {
            value.append(t.get(k).is(",") ? ", " : t.get(k).text());
        }
        return new GuardedStatement.Setting(harmless(name, value.toString(), t.subList(i, t.size()), tenant),
                value.toString());
    }

    private static GuardedStatement resetNoOp(String name, int next, List<Token> t) {
        if (next != t.size()) {
            throw GuardException.syntax("RESET takes one setting name", 1);
        }
        if (name.equals("all")) {
            return new GuardedStatement.Setting("ALL", null);
        }
        String canonical = SqlGuard.HARMLESS_SETTINGS.get(name);
        if (canonical == null) {
            throw GuardException.refused("RESET " + name + " is not allowed; settings that may be reset: "
                    + SqlGuard.HARMLESS_SETTINGS.values());
        }
        return new GuardedStatement.Setting(canonical, null);
    }

    /** The setting's canonical name if {@code value} is harmless for it; refused otherwise. */
    private static String harmless(String name, String value, List<Token> values, String tenant) {
        String canonical = SqlGuard.HARMLESS_SETTINGS.get(name);
        if (canonical == null) {
            throw GuardException.refused("SET " + name + " is not allowed; settings that may be set (as no-ops): "
                    + SqlGuard.HARMLESS_SETTINGS.values());
        }
        if (values.isEmpty()) {
            throw GuardException.syntax("SET " + name + " needs a value", 1);
        }
        String v = value.toLowerCase(Locale.ROOT);
        boolean ok = switch (name) {
            case "timezone" -> UTC.containsKey(v) || v.equals("default") || v.equals("local");
            case "datestyle" -> v.contains("iso") || v.equals("default");
            case "client_encoding" -> v.equals("utf8") || v.equals("unicode") || v.equals("utf-8")
                    || v.equals("default");
            case "search_path" -> values.stream().filter(x -> !x.is(",")).allMatch(x -> x.text().equals(tenant)
                    || x.text().equals("public") || x.text().equals("$user") || x.text().equals("pg_catalog")
                    || x.text().equals("default"));
            case "intervalstyle" -> v.equals("postgres") || v.equals("default");
            case "extra_float_digits" -> values.size() == 1 && values.get(0).type() == Token.Type.NUMBER;
            default -> values.size() == 1 && values.get(0).type() != Token.Type.PUNCT;
        };
        if (!ok) {
            throw GuardException.refused("SET " + canonical + " to " + value + " is not allowed: "
                    + switch (name) {
                        case "timezone" -> "timestamps are answered in UTC; convert with AT TIME ZONE";
                        case "search_path" -> "the search path is the tenant's schema";
                        default -> "only the server's own value is accepted";
                    });
        }
        return canonical;
    }

    /** {@code SHOW name}, {@code SHOW ALL}, {@code SHOW TIME ZONE}, {@code SHOW TRANSACTION ISOLATION LEVEL}. */
    static GuardedStatement show(List<Token> t) {
        if (t.size() < 2) {
            throw GuardException.syntax("SHOW needs a setting name", 1);
        }
        String words = t.subList(1, t.size()).stream().map(Token::text).reduce((a, b) -> a + " " + b).orElseThrow()
                .toLowerCase(Locale.ROOT);
        return new GuardedStatement.Show(switch (words) {
            case "time zone" -> "timezone";
            case "transaction isolation level" -> "transaction_isolation";
            default -> {
                if (t.size() != 2 || t.get(1).type() == Token.Type.PUNCT || t.get(1).type() == Token.Type.STRING) {
                    throw GuardException.syntax("SHOW takes one setting name", 1);
                }
                yield t.get(1).type() == Token.Type.QUOTED_NAME ? t.get(1).text() : words;
            }
        });
    }

    /** {@code BEGIN}, {@code START TRANSACTION}, {@code COMMIT}, {@code END}, {@code ROLLBACK}, {@code ABORT}. */
    static GuardedStatement transaction(List<Token> t) {
        String first = t.get(0).text();
        for (Token k : t) {
            if (k.is("savepoint") || k.is("prepared")) {
                throw GuardException.refused(first.toUpperCase(Locale.ROOT) + " … " + k.text().toUpperCase(Locale.ROOT)
                        + " is not allowed: every query runs in its own read-only transaction");
            }
        }
        return new GuardedStatement.Transaction(switch (first) {
            case "begin", "start" -> "BEGIN";
            case "commit", "end" -> "COMMIT";
            default -> "ROLLBACK";
        });
    }
}
