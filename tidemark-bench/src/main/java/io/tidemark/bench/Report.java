package io.tidemark.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** Prints figures as a table, or as a JSON document with name, value, unit, baseline and ratio per figure. */
final class Report {
    private Report() {}

    static void table(PrintStream out, String title, Map<String, Object> setup, List<Figure> figures) {
        out.println();
        out.println(title);
        setup.forEach((k, v) -> out.println("  " + k + ": " + v));
        out.printf("%n%-11s %-34s %14s %-8s %14s  %-38s %7s %7s%n", "engine", "figure", "value", "unit", "baseline",
                "baseline is", "ratio", "target");
        for (Figure f : figures) {
            out.printf("%-11s %-34s %14s %-8s %14s  %-38s %6.2fx %7s%s%n", f.engine(), f.name(), number(f.value()),
                    f.unit(), number(f.baseline()), f.baselineName(), f.ratio(),
                    Double.isNaN(f.target()) ? "-"
                            : String.format("≥%.2fx%s", f.target(), f.meetsTarget() ? "" : "!"),
                    f.note().isEmpty() ? "" : "  " + f.note());
        }
    }

    /**
     * The machine's 1-minute load average from {@code /proc/loadavg} (two decimals), or {@code "n/a"} where there is
     * none; printed with each figure measured on a shared machine.
     */
    static String loadAverage() {
        try {
            String s = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
            return s.substring(0, s.indexOf(' '));
        } catch (java.io.IOException | RuntimeException e) {
            return "n/a";
        }
    }

    /** Whole numbers with separators; below 100 two decimals, so that a few queries per second still show. */
    private static String number(double v) {
        return String.format(Math.abs(v) < 100 ? "%,.2f" : "%,.0f", v);
    }

    static void json(PrintStream out, String benchmark, Map<String, Object> setup, List<Figure> figures) {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("benchmark", benchmark);
        ObjectNode s = root.putObject("setup");
        setup.forEach((k, v) -> s.put(k, String.valueOf(v)));
        ArrayNode arr = root.putArray("figures");
        for (Figure f : figures) {
            ObjectNode n = arr.addObject();
            n.put("engine", f.engine());
            n.put("name", f.name());
            n.put("value", f.value());
            n.put("unit", f.unit());
            n.put("baseline", f.baseline());
            n.put("baselineName", f.baselineName());
            n.put("ratio", f.ratio());
            if (!Double.isNaN(f.target())) {
                n.put("target", f.target());
                n.put("meetsTarget", f.meetsTarget());
            }
            if (!f.note().isEmpty()) {
                n.put("note", f.note());
            }
        }
        try {
            out.println(om.writeValueAsString(root));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
