package dev.hakmem;

import dev.hakmem.internal.slab.Front;
import dev.hakmem.internal.slab.SpanPool;

import java.util.Locale;

/**
 * The report {@code HAKMEM_STATS=1} ({@code -Dhakmem.stats=true}) prints to standard error at
 * exit: the totals of {@link Stats}, how the fast paths run ({@link Front#modes}), one line per
 * size class that was used, and the shared pool's span acquisitions per stage.
 */
final class ExitReport {
    private ExitReport() {}

    /** First line of the report. */
    static final String HEADER = "hakmem statistics";

    /** The report for a snapshot and the pool's stage counters. */
    static String format(Stats s, String modes, long[] stageHits, String[] stageNames) {
        StringBuilder sb = new StringBuilder(4096);
        line(sb, "%s (pid %d)", HEADER, ProcessHandle.current().pid());
        line(sb, "  live %d B, mapped %d B, SuperSlabs %d; mmap %d, munmap %d, madvise %d, populate %d; heaps borrowed %d",
                s.liveBytes(), s.mappedBytes(), s.superSlabs(), s.mmapCalls(), s.munmapCalls(), s.madviseCalls(),
                s.populateCalls(), s.heapsBorrowed());
        line(sb, "  fast paths: %s", modes);
        line(sb, "  size classes (used ones):");
        line(sb, "  %5s %7s %14s %14s %12s %10s %12s %12s", "class", "block", "allocations", "frees", "live", "refills",
                "remote frees", "lent");
        long allocs = 0;
        long frees = 0;
        for (Stats.SizeClass c : s.sizeClasses()) {
            if (c.allocations() == 0 && c.frees() == 0 && c.refills() == 0) {
                continue;
            }
            allocs += c.allocations();
            frees += c.frees();
            line(sb, "  %5d %7d %14d %14d %12d %10d %12d %12d", c.index(), c.blockSize(), c.allocations(), c.frees(),
                    c.live(), c.refills(), c.remoteFrees(), c.lent());
        }
        line(sb, "  %5s %7s %14d %14d %12d", "all", "", allocs, frees, allocs - frees);
        long total = 0;
        for (long h : stageHits) {
            total += h;
        }
        line(sb, "  shared pool: span acquisitions by stage");
        for (int i = 0; i < stageHits.length; i++) {
            String name = i < stageNames.length ? stageNames[i] : String.valueOf(i);
            line(sb, "    stage %-20s %12d  %5.1f %%", name, stageHits[i], total == 0 ? 0.0 : 100.0 * stageHits[i] / total);
        }
        line(sb, "    %-26s %12d", "total", total);
        return sb.toString();
    }

    /** The report now. */
    static String now() {
        return format(StatsSnapshots.snapshot(), Front.modes(), SpanPool.stageHits(), SpanPool.stageNames());
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append(System.lineSeparator());
    }
}
