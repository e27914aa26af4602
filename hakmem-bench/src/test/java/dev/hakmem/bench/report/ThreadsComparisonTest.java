package dev.hakmem.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Platform and virtual runs are separate cases, paired up in their own report section. */
class ThreadsComparisonTest {

    private static ResultRow row(String params, String allocator, double ops) {
        return new ResultRow("larson", params, allocator, 1, ops, 1e9 / ops, 0, 0, null, null, null, null);
    }

    @Test
    void pairsPlatformAndVirtualCases() {
        List<CaseSummary> cases = CaseSummary.of(List.of(row("2 1 1000 10000 8 1000", "hakmem", 20e6),
                row("2 1 1000 10000 8 1000", "glibc", 40e6), row("2 1 1000 10000 8 1000 vt", "hakmem", 10e6),
                row("2 1 1000 10000 8 1000 vt", "glibc", 44e6)));
        assertEquals(2, cases.size(), "vt is a case of its own");
        List<String> md = ThreadsComparison.render(cases);
        assertEquals(1, md.size());
        assertTrue(md.get(0).contains("| larson | `2 1 1000 10000 8 1000` | **hakmem** | 20.00 | 10.00 | 0.50x |"), md.get(0));
        assertTrue(md.get(0).contains("| glibc | 40.00 | 44.00 | 1.10x |"), md.get(0));
        assertTrue(ThreadsComparison.table(cases).contains("0.50x"));
        assertTrue(ThreadsComparison.render(cases.subList(0, 1)).isEmpty());
        String report = ReportWriter.render(cases, new ReportWriter.Context("t", "c", "s",
                new MachineInfo("cpu", 2, 1, "k", "os", "jdk"), java.util.Map.of(), List.of(), md));
        assertTrue(report.contains("## Platform vs virtual threads"), report);
    }
}
