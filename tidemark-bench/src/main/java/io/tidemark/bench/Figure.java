package io.tidemark.bench;

/**
 * One measured figure and its same-run baseline.
 *
 * @param ratio value / baseline (higher is better for throughputs)
 * @param target the ratio the issue asks for, or NaN
 * @param note what else a reader needs to judge the figure (the load average while it was measured, counts), or
 *     empty
 */
public record Figure(String engine, String name, double value, String unit, double baseline, String baselineName,
        double target, String note) {

    public Figure(String engine, String name, double value, String unit, double baseline, String baselineName,
            double target) {
        this(engine, name, value, unit, baseline, baselineName, target, "");
    }

    public double ratio() {
        return value / baseline;
    }

    public boolean meetsTarget() {
        return Double.isNaN(target) || ratio() >= target;
    }
}
