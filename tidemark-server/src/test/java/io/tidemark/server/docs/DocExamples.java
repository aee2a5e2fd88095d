package io.tidemark.server.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runnable examples of a documentation page, by the convention stated at the top of {@code docs/api.md}:
 * <ul>
 *   <li>a page takes part when it contains the line {@value #MARKER};</li>
 *   <li>in such a page every fenced block runs as bash unless its fence names another language ({@code ```text},
 *       {@code ```json}, {@code ```properties}, {@code ```java} …); {@code ```}, {@code ```sh}, {@code ```bash} and
 *       {@code ```shell} blocks run — so an example added without a label is picked up, not skipped;</li>
 *   <li>a line starting with {@value #END} ends the page's runnable part: the blocks below it are run by a test of
 *       their own (docs/ingest.md's MQTT section, {@code MqttDocsExampleIT}, which needs a broker);</li>
 *   <li>a line {@code # => <expected>} ends a step: the commands since the previous step must print output that
 *       contains {@code <expected>} — for JSON, every field and value it names (a subset match); otherwise as
 *       text.</li>
 * </ul>
 * No I/O: a page's text in, its steps out.
 */
final class DocExamples {
    /** The line that makes a page's blocks runnable. */
    static final String MARKER = "<!-- docs-test: the shell blocks of this page run in order (see docs/api.md) -->";
    /** The start of the line after which a page's blocks do not run here. */
    static final String END = "<!-- docs-test: end";
    private static final Pattern FENCE = Pattern.compile("^```\\s*([A-Za-z0-9_+-]*)\\s*$");
    private static final Pattern EXPECT = Pattern.compile("^# => (.+)$");
    private static final Set<String> SHELL = Set.of("", "sh", "bash", "shell");

    /**
     * One step: shell text, what its output must contain (may be empty), and where it starts in the page.
     *
     * @param line the 1-based line of the page the step's first line is on
     */
    record Step(String page, int line, String script, List<String> expected) {
        @Override
        public String toString() {
            return page + ":" + line;
        }
    }

    private DocExamples() {}

    static boolean runnable(String pageText) {
        return pageText.lines().anyMatch(l -> l.trim().equals(MARKER));
    }

    /** The steps of every runnable block, in page order. */
    static List<Step> steps(String page, String text) {
        List<Step> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        boolean inBlock = false;
        boolean run = false;
        StringBuilder script = new StringBuilder();
        List<String> expected = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            Matcher fence = FENCE.matcher(l);
            if (!inBlock) {
                if (l.startsWith(END)) {
                    break;
                }
                if (fence.matches() || l.startsWith("```")) {
                    inBlock = true;
                    run = fence.matches() && SHELL.contains(fence.group(1).toLowerCase(java.util.Locale.ROOT));
                    start = i + 2;
                }
                continue;
            }
            if (l.trim().equals("```")) {
                flush(out, page, start, script, expected);
                inBlock = false;
                continue;
            }
            if (!run) {
                continue;
            }
            Matcher e = EXPECT.matcher(l);
            if (e.matches()) {
                expected.add(e.group(1).trim());
                if (i + 1 < lines.length && EXPECT.matcher(lines[i + 1]).matches()) {
                    continue;
                }
                flush(out, page, start, script, expected);
                start = i + 2;
                continue;
            }
            script.append(l).append('\n');
        }
        if (inBlock) {
            throw new IllegalArgumentException(page + ": a fenced block starting on line " + (start - 1)
                    + " is never closed");
        }
        return out;
    }

    private static void flush(List<Step> out, String page, int start, StringBuilder script, List<String> expected) {
        if (!script.toString().isBlank()) {
            out.add(new Step(page, start, script.toString(), List.copyOf(expected)));
        }
        script.setLength(0);
        expected.clear();
    }
}
