package io.tidemark.sql.guard;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the printed {@code ?n} parameters back into JDBC's plain {@code ?}, reading the order in which they appear in
 * the text (which is the order the engine binds them, and may differ from the order the walk met them).
 */
final class Parameters {
    private Parameters() {}

    /**
     * The JDBC text with each {@code ?} whose client parameter has a type in {@code types} written as
     * {@code CAST(? AS type)}; see {@link GuardedStatement.Query#withParameterTypes}.
     *
     * @param numbers the client parameter number of each {@code ?}, in text order
     * @param extra whether the text may hold more {@code ?} than {@code numbers} (those are left as they are)
     */
    static String typed(String jdbc, List<Integer> numbers, List<String> types, boolean extra) {
        StringBuilder out = new StringBuilder(jdbc.length() + 16 * numbers.size());
        int k = 0;
        for (int i = 0; i < jdbc.length(); i++) {
            int skipped = SqlScanner.skip(jdbc, i);
            if (skipped != i) {
                out.append(jdbc, i, skipped + 1);
                i = skipped;
                continue;
            }
            char c = jdbc.charAt(i);
            if (c != '?') {
                out.append(c);
                continue;
            }
            if (k == numbers.size() && extra) {
                out.append(c);
                continue;
            }
            int n = numbers.get(k++);
            String type = n <= types.size() ? types.get(n - 1) : null;
            out.append(type == null ? "?" : "CAST(? AS " + type + ")");
        }
        return out.toString();
    }

    /** Whether a printed text holds a parameter: a {@code ?} outside literals, quoted names and comments. */
    static boolean hasParameter(String printed) {
        for (int i = 0; i < printed.length(); i++) {
            int skipped = SqlScanner.skip(printed, i);
            if (skipped != i) {
                i = skipped;
                continue;
            }
            if (printed.charAt(i) == '?') {
                return true;
            }
        }
        return false;
    }

    /**
     * @param printed the rewritten statement, parameters printed as {@code ?n}
     * @param numbers the numbers the walk gave, replaced by each printed parameter's number in text order (a time
     *     function's rendering may print an argument, and so its parameter, more than once)
     */
    static String toJdbc(String printed, List<Integer> numbers) {
        List<Integer> order = new ArrayList<>();
        StringBuilder out = new StringBuilder(printed.length());
        for (int i = 0; i < printed.length(); i++) {
            int skipped = SqlScanner.skip(printed, i);
            if (skipped != i) {
                out.append(printed, i, skipped + 1);
                i = skipped;
                continue;
            }
            char c = printed.charAt(i);
            out.append(c);
            if (c != '?') {
                continue;
            }
            int end = i + 1;
            while (end < printed.length() && Character.isDigit(printed.charAt(end))) {
                end++;
            }
            order.add(Integer.parseInt(printed.substring(i + 1, end)));
            i = end - 1;
        }
        if (!new java.util.HashSet<>(order).equals(new java.util.HashSet<>(numbers))) {
            throw new IllegalStateException("printed parameters " + order + ", expected " + numbers + ": " + printed);
        }
        numbers.clear();
        numbers.addAll(order);
        return out.toString();
    }
}
