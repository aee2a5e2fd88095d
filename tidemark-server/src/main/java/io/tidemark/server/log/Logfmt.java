package io.tidemark.server.log;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * Logback converters of the {@code text} log format (see {@code logback.xml}): one {@code key="value"} line per
 * event, every value a double-quoted string in which {@code \}, {@code "}, newline, carriage return and tab are
 * escaped as {@code \\}, {@code \"}, {@code \n}, {@code \r}, {@code \t}. A stack trace is the value of {@code ex}, so
 * it stays inside its event's line and a reader gets it back intact by undoing those five escapes.
 */
public final class Logfmt {
    private Logfmt() {}

    /** {@code s} escaped for a double-quoted logfmt value (without the quotes). */
    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(ch);
            }
        }
        return sb.toString();
    }

    /** {@code %lfmsg}: the formatted message, escaped. */
    public static final class Message extends ClassicConverter {
        @Override
        public String convert(ILoggingEvent event) {
            return escape(event.getFormattedMessage());
        }
    }

    /** {@code %lfkvp}: the event's key-value pairs as {@code key="value"}, each preceded by a space. */
    public static final class KeyValues extends ClassicConverter {
        @Override
        public String convert(ILoggingEvent event) {
            List<KeyValuePair> kvps = event.getKeyValuePairs();
            if (kvps == null || kvps.isEmpty()) {
                return "";
            }
            StringBuilder sb = new StringBuilder();
            for (KeyValuePair kv : kvps) {
                sb.append(' ').append(kv.key).append("=\"").append(escape(String.valueOf(kv.value))).append('"');
            }
            return sb.toString();
        }
    }

    /**
     * {@code %lfex}: {@code  ex="…"} with the whole stack trace (causes and suppressed exceptions included), or
     * nothing when the event has no exception.
     */
    public static final class StackTrace extends ThrowableProxyConverter {
        @Override
        protected String throwableProxyToString(ch.qos.logback.classic.spi.IThrowableProxy tp) {
            String trace = super.throwableProxyToString(tp);
            return " ex=\"" + escape(trace.endsWith("\n") ? trace.substring(0, trace.length() - 1) : trace) + "\"";
        }
    }
}
