package dev.hakmem.bench.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * The named phases of one memory-driver run, as the driver marks them ({@link #begin}): each
 * phase lasts from its mark to the next one, the last to the end of the run. The report gives
 * each phase's peak RSS over the run's peak live bytes, so a figure can be traced to the part of
 * the workload that made it (frag-refill's rounds, frag-phases' size mixes). Thread-safe; drivers
 * without phases mark none.
 */
public final class Phases {

    /** A phase: its name and when it began, in ms since the run's start. */
    public record Phase(long ms, String name) {}

    /** Prefix of the phase lines in a memory JVM's output: {@code PHASE <tab> ms <tab> name}. */
    public static final String PREFIX = "PHASE";

    private final long t0;
    private final List<Phase> phases = new ArrayList<>();

    /** Phases of a run that starts at {@code t0} ({@link System#nanoTime()}). */
    public Phases(long t0) {
        this.t0 = t0;
    }

    /** Marks the start of phase {@code name} now (the previous phase ends here). */
    public synchronized void begin(String name) {
        if (name.isBlank() || name.contains("\t") || name.contains("\n")) {
            throw new IllegalArgumentException("phase name must be one line without tabs: '" + name + "'");
        }
        phases.add(new Phase((System.nanoTime() - t0) / 1_000_000, name));
    }

    /** The phases marked so far, in order. */
    public synchronized List<Phase> list() {
        return List.copyOf(phases);
    }

    /** {@code PHASE <tab> ms <tab> name}. */
    static String toLine(Phase p) {
        return PREFIX + '\t' + p.ms() + '\t' + p.name();
    }

    /** The phase of a line made by {@link #toLine}. */
    static Phase parse(String line) {
        String[] f = line.split("\t", 3);
        if (f.length != 3 || !f[0].equals(PREFIX)) {
            throw new IllegalArgumentException("not a phase line: " + line);
        }
        try {
            return new Phase(Long.parseLong(f[1]), f[2]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed phase line: " + line, e);
        }
    }

    /**
     * Per phase of {@code phases}, the highest RSS (KiB, minus {@code baselineKiB}) among the
     * {@code samples} ({@code {ms, live bytes, RSS KiB}}) taken from its start to the next phase's
     * start; NaN for a phase with no sample.
     */
    static double[] peakRssKiB(List<Phase> phases, long[][] samples, long baselineKiB) {
        double[] peak = new double[phases.size()];
        for (int i = 0; i < peak.length; i++) {
            long from = phases.get(i).ms();
            long to = i + 1 < phases.size() ? phases.get(i + 1).ms() : Long.MAX_VALUE;
            double max = Double.NaN;
            for (long[] s : samples) {
                if (s[0] >= from && s[0] < to) {
                    double rss = s[2] - baselineKiB;
                    max = Double.isNaN(max) ? rss : Math.max(max, rss);
                }
            }
            peak[i] = max;
        }
        return peak;
    }
}
