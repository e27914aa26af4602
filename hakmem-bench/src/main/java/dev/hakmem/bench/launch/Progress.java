package dev.hakmem.bench.launch;

import java.util.Locale;

/**
 * Elapsed time and an estimate of the time left. Each step has an a-priori estimate; the
 * estimates of the steps left are scaled by how the steps done compared with theirs.
 */
public final class Progress {

    private final double[] estimates;
    private final long start = System.nanoTime();
    private int done;
    private double doneEstimate;

    /** Progress over steps with these a-priori estimates, in seconds. */
    public Progress(double[] estimates) {
        this.estimates = estimates.clone();
    }

    /** Marks the next step done. */
    public void stepDone() {
        doneEstimate += estimates[done++];
    }

    /** Total of the a-priori estimates, seconds. */
    public double estimatedTotal() {
        double sum = 0;
        for (double e : estimates) {
            sum += e;
        }
        return sum;
    }

    /** Seconds since the start. */
    public double elapsed() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** The estimated seconds left. */
    public double left() {
        double rest = 0;
        for (int i = done; i < estimates.length; i++) {
            rest += estimates[i];
        }
        if (done == 0 || doneEstimate <= 0) {
            return rest;
        }
        double scale = Math.max(0.25, Math.min(4.0, elapsed() / doneEstimate));
        return rest * scale;
    }

    /** {@code m:ss} or {@code h:mm:ss}. */
    public static String clock(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
