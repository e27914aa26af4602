package dev.hakmem.bench.memory;

import dev.hakmem.bench.driver.Xorshift64Star;
import java.util.Locale;

/**
 * A distribution of block sizes: size ranges, each drawn with a given probability, uniform
 * within the range.
 */
final class SizeMix {

    private final double[] cumulative;
    private final long[] min;
    private final long[] max;

    private SizeMix(double[] weights, long[] min, long[] max) {
        this.cumulative = new double[weights.length];
        this.min = min;
        this.max = max;
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double c = 0;
        for (int i = 0; i < weights.length; i++) {
            c += weights[i] / sum;
            cumulative[i] = c;
        }
        cumulative[weights.length - 1] = 1.0;
    }

    /**
     * A mix of {@code (weight, min, max)} triples: range {@code [min, max]} bytes is drawn with
     * probability weight / (sum of weights).
     */
    static SizeMix of(double... triples) {
        if (triples.length == 0 || triples.length % 3 != 0) {
            throw new IllegalArgumentException("a size mix is (weight, min, max) triples, got " + triples.length + " numbers");
        }
        int n = triples.length / 3;
        double[] w = new double[n];
        long[] lo = new long[n];
        long[] hi = new long[n];
        for (int i = 0; i < n; i++) {
            w[i] = triples[3 * i];
            lo[i] = (long) triples[3 * i + 1];
            hi[i] = (long) triples[3 * i + 2];
            if (!(w[i] > 0) || lo[i] < 1 || hi[i] < lo[i]) {
                throw new IllegalArgumentException("bad range " + w[i] + ", " + lo[i] + "-" + hi[i]);
            }
        }
        return new SizeMix(w, lo, hi);
    }

    /** One size. */
    long draw(Xorshift64Star random) {
        double u = (random.next() >>> 11) * 0x1.0p-53;
        int i = 0;
        while (u >= cumulative[i] && i < cumulative.length - 1) {
            i++;
        }
        return Xorshift64Star.size(random.next(), min[i], max[i]);
    }

    /** The mean size, bytes. */
    double mean() {
        double m = 0;
        double prev = 0;
        for (int i = 0; i < cumulative.length; i++) {
            m += (cumulative[i] - prev) * (min[i] + max[i]) / 2.0;
            prev = cumulative[i];
        }
        return m;
    }

    /** E.g. {@code 90 % 16-256 B, 10 % 1-32 KiB}, or just {@code 16-256 B} for one range. */
    @Override
    public String toString() {
        if (min.length == 1) {
            return range(min[0], max[0]);
        }
        StringBuilder b = new StringBuilder();
        double prev = 0;
        for (int i = 0; i < cumulative.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            double pct = Math.round((cumulative[i] - prev) * 1000) / 10.0; // to 0.1 %, so 10.000000001 reads 10
            prev = cumulative[i];
            b.append(String.format(Locale.ROOT, pct == Math.rint(pct) ? "%.0f %% " : "%.1f %% ", pct))
                    .append(range(min[i], max[i]));
        }
        return b.toString();
    }

    /** {@code 16-256 B}, {@code 1-32 KiB}, or {@code 272 B-4 KiB}. */
    static String range(long min, long max) {
        boolean kib = min % 1024 == 0 && max % 1024 == 0;
        if (kib) {
            return min / 1024 + "-" + max / 1024 + " KiB";
        }
        if (max < 1024) {
            return min + "-" + max + " B";
        }
        return min + " B-" + (max % 1024 == 0 ? max / 1024 + " KiB" : max + " B");
    }

    /** A random number in [0, 1). */
    static double uniform(Xorshift64Star random) {
        return (random.next() >>> 11) * 0x1.0p-53;
    }
}
