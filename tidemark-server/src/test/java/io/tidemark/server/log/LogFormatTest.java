package io.tidemark.server.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The server's own logback.xml, both formats: an exception's stack trace comes out intact and parseable. */
class LogFormatTest {
    /** {@code key="value"} with the five escapes of {@link Logfmt#escape}, or {@code key=bare}. */
    private static final Pattern PAIR = Pattern.compile("([a-z]+)=(?:\"((?:[^\"\\\\]++|\\\\.)*+)\"|(\\S*))");

    @Test
    void text_exceptionWithMultiLineMessages_oneLineWhoseExUnescapesToTheStackTrace() throws Exception {
        IllegalStateException e = failure();
        String out = log("text", e);

        assertThat(out).endsWith("\n");
        assertThat(out.substring(0, out.length() - 1)).doesNotContain("\n");
        Map<String, String> fields = parseLogfmt(out.substring(0, out.length() - 1));
        assertThat(fields.get("level")).isEqualTo("ERROR");
        assertThat(fields.get("msg")).isEqualTo("request \"x\" failed\nsecond line");
        assertThat(fields.get("error")).isEqualTo("ERROR: boom\n  LINE 1: SELECT \\ 1");
        String ex = fields.get("ex");
        assertThat(ex).startsWith("java.lang.IllegalStateException: outer\nwith a second line\n\tat ");
        assertThat(ex).contains("Caused by: java.sql.SQLException: ERROR: inner\n  LINE 1: SELECT \"a\"\n\t... ");
        // every frame of the exception, each on its own line, as printStackTrace writes it
        assertThat(ex.lines().filter(l -> l.startsWith("\tat ")).toList()).containsExactlyElementsOf(
                java.util.Arrays.stream(e.getStackTrace()).map(f -> "\tat " + f).toList());
        assertThat(out).doesNotContain("\n  at ").doesNotContain("nat ");
    }

    @Test
    void json_exception_validJsonWithTheStackTraceStructured() throws Exception {
        IllegalStateException e = failure();
        String out = log("json", e);

        assertThat(out.strip().lines().count()).isEqualTo(1);
        JsonNode event = new ObjectMapper().readTree(out);
        assertThat(event.get("formattedMessage").asText()).isEqualTo("request \"x\" failed\nsecond line");
        JsonNode t = event.get("throwable");
        assertThat(t.get("className").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(t.get("message").asText()).isEqualTo("outer\nwith a second line");
        JsonNode steps = t.get("stepArray");
        assertThat(steps.size()).isEqualTo(e.getStackTrace().length);
        assertThat(steps.get(0).get("methodName").asText()).isEqualTo(e.getStackTrace()[0].getMethodName());
        assertThat(t.get("cause").get("message").asText()).isEqualTo("ERROR: inner\n  LINE 1: SELECT \"a\"");
    }

    @Test
    void text_noException_noExField() throws Exception {
        LoggerContext lc = configure("text");
        ByteArrayOutputStream bytes = capture(lc);
        lc.getLogger("t").info("plain");
        lc.stop();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(parseLogfmt(out.strip())).containsEntry("msg", "plain").doesNotContainKey("ex");
    }

    private static IllegalStateException failure() {
        return new IllegalStateException("outer\nwith a second line",
                new java.sql.SQLException("ERROR: inner\n  LINE 1: SELECT \"a\""));
    }

    private static String log(String format, Throwable e) throws Exception {
        LoggerContext lc = configure(format);
        ByteArrayOutputStream bytes = capture(lc);
        Logger log = lc.getLogger("io.tidemark.Test");
        log.atError().setCause(e).addKeyValue("error", "ERROR: boom\n  LINE 1: SELECT \\ 1")
                .log("request \"x\" failed\nsecond line");
        lc.stop();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static LoggerContext configure(String format) throws Exception {
        LoggerContext lc = new LoggerContext();
        lc.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        lc.putProperty("tidemark.log.format", format);
        lc.putProperty("tidemark.log.level", "INFO");
        JoranConfigurator jc = new JoranConfigurator();
        jc.setContext(lc);
        jc.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
        return lc;
    }

    private static ByteArrayOutputStream capture(LoggerContext lc) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStreamAppender<?> app = (OutputStreamAppender<?>) lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                .iteratorForAppenders().next();
        app.setOutputStream(bytes);
        return bytes;
    }

    private static Map<String, String> parseLogfmt(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = PAIR.matcher(line);
        int at = 0;
        while (m.find()) {
            assertThat(line.substring(at, m.start()).isBlank()).as("only spaces between pairs: %s", line).isTrue();
            out.put(m.group(1), m.group(2) != null ? unescape(m.group(2)) : m.group(3));
            at = m.end();
        }
        assertThat(at).isEqualTo(line.length());
        return out;
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '\\') {
                sb.append(ch);
                continue;
            }
            char next = s.charAt(++i);
            sb.append(switch (next) {
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                default -> next;
            });
        }
        return sb.toString();
    }
}
