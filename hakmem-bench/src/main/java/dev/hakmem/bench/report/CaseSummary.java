package dev.hakmem.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The medians of every allocator on one (driver, params) case, in the order the allocators
 * first appear.
 *
 * @param driver driver name
 * @param params driver parameters
 * @param lines  one per allocator
 */
public record CaseSummary(String driver, String params, List<Line> lines) {

    /**
     * Medians of one allocator's runs.
     *
     * @param allocator    adapter name
     * @param runs         measured runs
     * @param opsPerSec    median ops/s
     * @param nsPerOp      median ns/op
     * @param rssPeakKiB   median RSS peak, KiB (-1 unknown)
     * @param rssEndKiB    median RSS at the end, KiB
     * @param mmapCalls    median mmap calls, or {@code null}
     * @param munmapCalls  median munmap calls, or {@code null}
     * @param madviseCalls median madvise calls, or {@code null}
     */
    public record Line(String allocator, int runs, double opsPerSec, double nsPerOp, long rssPeakKiB, long rssEndKiB,
                       Long mmapCalls, Long munmapCalls, Long madviseCalls) {}

    /** The line of {@code allocator}, or {@code null}. */
    public Line line(String allocator) {
        for (Line l : lines) {
            if (l.allocator.equals(allocator)) {
                return l;
            }
        }
        return null;
    }

    /** {@code allocator}'s median ops/s divided by hakmem's; NaN if either is missing. */
    public double ratioToHakmem(String allocator) {
        Line hakmem = line("hakmem");
        Line other = line(allocator);
        if (hakmem == null || other == null || !(hakmem.opsPerSec > 0)) {
            return Double.NaN;
        }
        return other.opsPerSec / hakmem.opsPerSec;
    }

    /** Groups {@code rows} by case (in first-seen order) and takes the medians. */
    public static List<CaseSummary> of(List<ResultRow> rows) {
        Map<String, Map<String, List<ResultRow>>> byCase = new LinkedHashMap<>();
        for (ResultRow r : rows) {
            byCase.computeIfAbsent(r.caseKey(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.allocator(), k -> new ArrayList<>()).add(r);
        }
        List<CaseSummary> out = new ArrayList<>();
        for (Map<String, List<ResultRow>> byAllocator : byCase.values()) {
            List<Line> lines = new ArrayList<>();
            ResultRow first = null;
            for (List<ResultRow> runs : byAllocator.values()) {
                first = first == null ? runs.get(0) : first;
                lines.add(line(runs));
            }
            out.add(new CaseSummary(first.driver(), first.params(), List.copyOf(lines)));
        }
        return out;
    }

    private static Line line(List<ResultRow> runs) {
        int n = runs.size();
        double[] ops = new double[n];
        double[] ns = new double[n];
        double[] peak = new double[n];
        double[] end = new double[n];
        for (int i = 0; i < n; i++) {
            ResultRow r = runs.get(i);
            ops[i] = r.opsPerSec();
            ns[i] = r.nsPerOp();
            peak[i] = r.rssPeakKiB();
            end[i] = r.rssEndKiB();
        }
        ResultRow r0 = runs.get(0);
        return new Line(r0.allocator(), n, Median.of(ops), Median.of(ns), Math.round(Median.of(peak)),
                Math.round(Median.of(end)), medianOf(runs, 0), medianOf(runs, 1), medianOf(runs, 2));
    }

    private static Long medianOf(List<ResultRow> runs, int which) {
        double[] v = new double[runs.size()];
        for (int i = 0; i < v.length; i++) {
            ResultRow r = runs.get(i);
            Long x = switch (which) {
                case 0 -> r.mmapCalls();
                case 1 -> r.munmapCalls();
                default -> r.madviseCalls();
            };
            if (x == null) {
                return null;
            }
            v[i] = x;
        }
        return Math.round(Median.of(v));
    }
}
