package io.tidemark.server.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An archive or rtId written with topic variables: {@code boiler}, {@code {site}}, {@code {site}.{device}}. Immutable,
 * thread-safe.
 */
final class NameTemplate {
    private final String text;
    /** Literal text and variable names alternating, starting with literal text (possibly empty). */
    private final List<String> parts;

    private NameTemplate(String text, List<String> parts) {
        this.text = text;
        this.parts = parts;
    }

    /**
     * @throws IllegalArgumentException for an empty template, an unclosed brace or a bad variable name
     */
    static NameTemplate parse(String what, String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        List<String> parts = new ArrayList<>();
        int i = 0;
        StringBuilder literal = new StringBuilder();
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '}') {
                throw new IllegalArgumentException(what + " '" + text + "' has a '}' without '{'");
            }
            if (c != '{') {
                literal.append(c);
                i++;
                continue;
            }
            int end = text.indexOf('}', i);
            if (end < 0) {
                throw new IllegalArgumentException(what + " '" + text + "' has a '{' without '}'");
            }
            String name = text.substring(i + 1, end);
            if (!TopicTemplate.VARIABLE.matcher(name).matches()) {
                throw new IllegalArgumentException(what + " '" + text + "': '{" + name + "}' is not a variable name "
                        + "([a-z][a-z0-9_]*)");
            }
            parts.add(literal.toString());
            parts.add(name);
            literal.setLength(0);
            i = end + 1;
        }
        parts.add(literal.toString());
        return new NameTemplate(text, List.copyOf(parts));
    }

    /** The variables it uses. */
    List<String> variables() {
        List<String> out = new ArrayList<>();
        for (int i = 1; i < parts.size(); i += 2) {
            out.add(parts.get(i));
        }
        return out;
    }

    /** The name for these values; a variable without a value becomes empty text. */
    String apply(Map<String, String> values) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        StringBuilder out = new StringBuilder(parts.get(0));
        for (int i = 1; i < parts.size(); i += 2) {
            out.append(values.getOrDefault(parts.get(i), "")).append(parts.get(i + 1));
        }
        return out.toString();
    }

    String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
