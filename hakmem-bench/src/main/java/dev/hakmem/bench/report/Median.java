package dev.hakmem.bench.report;

import java.util.Arrays;

/** Medians of small samples. */
public final class Median {

    private Median() {}

    /** The median of {@code values} (the mean of the middle two for an even count); NaN if empty. */
    public static double of(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
