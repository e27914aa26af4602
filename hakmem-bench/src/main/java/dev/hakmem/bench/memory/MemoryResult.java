package dev.hakmem.bench.memory;

import java.util.Locale;

/**
 * What one memory-suite JVM measured: one driver on one allocator.
 *
 * @param driver        memory driver name
 * @param allocator     adapter name
 * @param fork          which JVM of this (driver, allocator), from 1
 * @param baselineKiB   RSS right before the driver started allocating (after the warm-up pass), KiB
 * @param peakRssKiB    highest RSS while the driver ran, KiB ({@code VmHWM} since the baseline, or
 *                      the highest sample where the kernel would not reset {@code VmHWM})
 * @param peakLiveBytes the most bytes the driver held at once (requested sizes)
 * @param afterFreeKiB  RSS after everything was freed and the JVM then slept the settle time
 *                      (3 s by default) with no call, KiB
 * @param afterTrimKiB  RSS right after the allocator's trim, KiB, or -1 if it has none
 * @param trim          the trim call (e.g. {@code malloc_trim(0)}), or {@code n/a}
 * @param runMs         the driver's run, from the baseline to its last free, milliseconds
 * @param allocations   allocations the driver made
 */
public record MemoryResult(String driver, String allocator, int fork, long baselineKiB, long peakRssKiB,
                           long peakLiveBytes, long afterFreeKiB, long afterTrimKiB, String trim, long runMs,
                           long allocations) {

    /** Prefix of the line {@link MemoryMain} prints and the suite parses. */
    public static final String PREFIX = "MEMORY";
    /** What {@link #trim} says for an allocator without one. */
    public static final String NO_TRIM = "n/a";

    /** (Peak RSS - baseline) / peak live bytes. */
    public double peakRssOverLive() {
        return peakLiveBytes == 0 ? Double.NaN : (peakRssKiB - baselineKiB) * 1024.0 / peakLiveBytes;
    }

    /** Peak RSS above the baseline, MiB. */
    public double peakRssMiB() {
        return (peakRssKiB - baselineKiB) / 1024.0;
    }

    /** Peak live bytes, MiB. */
    public double peakLiveMiB() {
        return peakLiveBytes / 1048576.0;
    }

    /** RSS above the baseline after the free-all and the settle time, MiB. */
    public double afterFreeMiB() {
        return (afterFreeKiB - baselineKiB) / 1024.0;
    }

    /** RSS above the baseline right after the trim, MiB, or NaN without a trim. */
    public double afterTrimMiB() {
        return afterTrimKiB < 0 ? Double.NaN : (afterTrimKiB - baselineKiB) / 1024.0;
    }

    /** The tab-separated line {@link #parse} reads. */
    public String toLine() {
        return String.join("\t", PREFIX, driver, allocator, Integer.toString(fork), Long.toString(baselineKiB),
                Long.toString(peakRssKiB), Long.toString(peakLiveBytes), Long.toString(afterFreeKiB),
                Long.toString(afterTrimKiB), trim, Long.toString(runMs), Long.toString(allocations));
    }

    /**
     * Reads a line of {@link #toLine}.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static MemoryResult parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 12 || !f[0].equals(PREFIX)) {
            throw new IllegalArgumentException("not a " + PREFIX + " line: " + line);
        }
        try {
            return new MemoryResult(f[1], f[2], Integer.parseInt(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]),
                    Long.parseLong(f[6]), Long.parseLong(f[7]), Long.parseLong(f[8]), f[9], Long.parseLong(f[10]),
                    Long.parseLong(f[11]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in " + PREFIX + " line: " + line, e);
        }
    }

    /** One readable line. */
    public String describe() {
        return String.format(Locale.ROOT,
                "%s on %s #%d: peak RSS %.1f MiB over live %.1f MiB = %.3f; after free %.1f MiB; after %s %s; baseline %.1f MiB; %.1f s, %d allocations",
                driver, allocator, fork, peakRssMiB(), peakLiveMiB(), peakRssOverLive(), afterFreeMiB(), trim,
                afterTrimKiB < 0 ? "-" : String.format(Locale.ROOT, "%.1f MiB", afterTrimMiB()), baselineKiB / 1024.0,
                runMs / 1000.0, allocations);
    }
}
