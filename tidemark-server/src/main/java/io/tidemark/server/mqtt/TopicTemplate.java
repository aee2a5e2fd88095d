package io.tidemark.server.mqtt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A subscription's topic with named levels: {@code plant/{site}/{device}/data}. Each {@code {name}} is one whole topic
 * level and becomes {@code +} in the MQTT filter ({@code plant/+/+/data}); {@code +} and a final {@code #} may also be
 * written as they are. {@link #match} gives the variables' values for a topic. Immutable, thread-safe.
 */
final class TopicTemplate {
    static final Pattern VARIABLE = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    /** The value of a level: a literal, an anonymous {@code +} or {@code #}, or a variable's name. */
    private final String[] levels;
    private final boolean[] variable;
    private final boolean multiLevel;
    private final String text;
    private final String filter;
    private final List<String> variables;

    private TopicTemplate(String text, String[] levels, boolean[] variable, boolean multiLevel, String filter,
            List<String> variables) {
        this.text = text;
        this.levels = levels;
        this.variable = variable;
        this.multiLevel = multiLevel;
        this.filter = filter;
        this.variables = variables;
    }

    /**
     * @throws IllegalArgumentException saying what is wrong: an empty template, a variable that is not a whole level
     *     or has a bad or repeated name, {@code #} before the last level, a level mixing {@code +} or {@code #} with
     *     text
     */
    static TopicTemplate parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("a topic is required, e.g. plant/{site}/{device}/data");
        }
        String[] parts = text.split("/", -1);
        String[] levels = new String[parts.length];
        boolean[] variable = new boolean[parts.length];
        List<String> names = new ArrayList<>();
        StringBuilder filter = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            boolean last = i == parts.length - 1;
            if (p.startsWith("{") && p.endsWith("}")) {
                String name = p.substring(1, p.length() - 1);
                if (!VARIABLE.matcher(name).matches()) {
                    throw new IllegalArgumentException("'" + p + "' in topic '" + text + "': a variable's name is "
                            + "[a-z][a-z0-9_]*, e.g. {site}");
                }
                if (names.contains(name)) {
                    throw new IllegalArgumentException("variable {" + name + "} appears twice in topic '" + text + "'");
                }
                names.add(name);
                variable[i] = true;
                levels[i] = name;
                p = "+";
            } else if (p.contains("{") || p.contains("}")) {
                throw new IllegalArgumentException("'" + p + "' in topic '" + text + "': a variable must be a whole "
                        + "topic level, e.g. plant/{site}/data");
            } else if (p.equals("#") && !last) {
                throw new IllegalArgumentException("'#' must be the last level of topic '" + text + "'");
            } else if (!p.equals("#") && !p.equals("+") && (p.contains("#") || p.contains("+"))) {
                throw new IllegalArgumentException("'" + p + "' in topic '" + text + "': '+' and '#' stand alone in "
                        + "a level");
            } else {
                levels[i] = p;
            }
            filter.append(i == 0 ? "" : "/").append(p);
        }
        boolean multi = parts[parts.length - 1].equals("#");
        return new TopicTemplate(text, levels, variable, multi, filter.toString(), List.copyOf(names));
    }

    /** The MQTT topic filter to subscribe to. */
    String filter() {
        return filter;
    }

    /** The template as configured. */
    String text() {
        return text;
    }

    /** The variables' names, in topic order. */
    List<String> variables() {
        return variables;
    }

    /** The variables' values in {@code topic}, or null when the topic does not match the filter. */
    Map<String, String> match(String topic) {
        String[] parts = topic.split("/", -1);
        int fixed = multiLevel ? levels.length - 1 : levels.length;
        if (parts.length < fixed || !multiLevel && parts.length != fixed) {
            return null;
        }
        if (multiLevel && fixed == 0 && topic.startsWith("$")) {
            return null; // '#' alone never matches $SYS topics
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < fixed; i++) {
            if (variable[i]) {
                out.put(levels[i], parts[i]);
            } else if (!levels[i].equals("+") && !levels[i].equals(parts[i])) {
                return null;
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return text;
    }
}
