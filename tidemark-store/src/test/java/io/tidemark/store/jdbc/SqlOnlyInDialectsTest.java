package io.tidemark.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SQL has one home: the dialects ({@code *Dialect.java}). Every other source file of the store passes statements
 * from a dialect method to JDBC, so no string literal outside a dialect holds SQL text. A source scan, not a
 * bytecode rule: string constants are inlined by the compiler, and a fragment such as {@code " WHERE "} is what
 * must not appear. Comments are skipped; SQL keywords count only in upper case, which is how the store writes them.
 */
class SqlOnlyInDialectsTest {
    private static final Path SOURCES = Path.of("src/main/java/io/tidemark/store");
    private static final Pattern SQL = Pattern.compile("\\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY|"
            + "WHERE|FROM|JOIN|VALUES|SET|ORDER BY|GROUP BY|LIMIT|RETURNING|ON CONFLICT|FOR UPDATE|FOR SHARE|"
            + "IS NULL|TRUNCATE|PRAGMA)\\b|nextval\\(");

    @Test
    void storeSources_outsideDialects_holdNoSqlLiteral() throws IOException {
        List<String> found = new ArrayList<>();
        List<Path> files = javaFiles();
        for (Path f : files) {
            if (f.getFileName().toString().endsWith("Dialect.java")) {
                continue;
            }
            for (String literal : stringLiterals(Files.readString(f))) {
                if (SQL.matcher(literal).find()) {
                    found.add(SOURCES.relativize(f) + ": \"" + literal + "\"");
                }
            }
        }
        assertThat(files).as("the scan sees the JDBC store").hasSizeGreaterThan(10);
        assertThat(found).as("SQL text outside a dialect; add a method to SqlDialect (or the engine's dialect)")
                .isEmpty();
    }

    /** The scan is not blind: it finds the statements in the dialect itself. */
    @Test
    void stringLiterals_ofTheDialect_holdSql() throws IOException {
        List<String> literals = stringLiterals(Files.readString(SOURCES.resolve("jdbc/SqlDialect.java")));
        assertThat(literals).anyMatch(l -> SQL.matcher(l).find());
    }

    @Test
    void stringLiterals_skipCommentsAndKeepEscapes() {
        String source = "// \"SELECT in a comment\"\n/* \"UPDATE\" */ String a = \"x \\\" WHERE y\"; char q = '\"';"
                + " String b = \"\"\"\n  DELETE FROM t\n  \"\"\";";
        assertThat(stringLiterals(source)).containsExactly("x \\\" WHERE y", "\n  DELETE FROM t\n  ");
    }

    private static List<Path> javaFiles() throws IOException {
        try (Stream<Path> s = Files.walk(SOURCES)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    /** The contents of the string literals and text blocks of a Java source, outside comments and char literals. */
    static List<String> stringLiterals(String src) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < src.length()) {
            if (src.startsWith("//", i)) {
                i = src.indexOf('\n', i) < 0 ? src.length() : src.indexOf('\n', i);
            } else if (src.startsWith("/*", i)) {
                i = src.indexOf("*/", i + 2) < 0 ? src.length() : src.indexOf("*/", i + 2) + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                out.add(src.substring(i + 3, end));
                i = end + 3;
            } else if (src.charAt(i) == '"' || src.charAt(i) == '\'') {
                int end = closing(src, i);
                if (src.charAt(i) == '"') {
                    out.add(src.substring(i + 1, end));
                }
                i = end + 1;
            } else {
                i++;
            }
        }
        return out;
    }

    /** The index of the quote closing the literal opened at {@code start}, skipping escapes. */
    private static int closing(String src, int start) {
        char quote = src.charAt(start);
        int i = start + 1;
        while (src.charAt(i) != quote) {
            i += src.charAt(i) == '\\' ? 2 : 1;
        }
        return i;
    }
}
