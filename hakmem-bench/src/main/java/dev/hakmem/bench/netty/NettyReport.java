package dev.hakmem.bench.netty;

import dev.hakmem.bench.netty.NettySuite.Cell;
import dev.hakmem.bench.netty.NettySuite.Jvm;
import dev.hakmem.bench.netty.NettySuite.Sample;
import dev.hakmem.bench.report.ChartStyle;
import dev.hakmem.bench.report.MachineInfo;
import dev.hakmem.bench.report.Median;
import java.awt.Color;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The netty suite's output: CSV files, {@code report.md}, the console table and the charts. */
public final class NettyReport {

    /** The allocator the report compares with the better of {@link #NETTY_POOLS}. */
    static final String HAKMEM = "hakmem-netty";
    static final List<String> NETTY_POOLS = List.of("netty-pooled", "netty-adaptive");
    private static final Color[] COLORS = {ChartStyle.HAKMEM, new Color(0x1F, 0x77, 0xB4),
            new Color(0x2C, 0xA0, 0x2C), new Color(0x6C, 0x83, 0x9E), new Color(0x94, 0x67, 0xBD)};

    private NettyReport() {}

    /** {@code 256 B}, {@code 4 KiB}, {@code 1 MiB}, ... */
    public static String sizeLabel(int bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }

    /** The median over forks of {@code f} for one allocator and size, NaN when there is none. */
    static double median(List<Cell> cells, String allocator, int size, ToDoubleFunction<WrkResult> f) {
        double[] v = cells.stream().filter(c -> c.allocator().equals(allocator) && c.size() == size)
                .mapToDouble(c -> f.applyAsDouble(c.wrk())).toArray();
        return v.length == 0 ? Double.NaN : Median.of(v);
    }

    /** The median over forks (that got that far) of a JVM's memory figure, MiB; NaN when there is none. */
    static double medianMiB(List<Jvm> jvms, String allocator, ToDoubleFunction<Jvm> kib) {
        double[] v = jvms.stream().filter(j -> j.allocator().equals(allocator) && j.error() == null)
                .mapToDouble(j -> kib.applyAsDouble(j) / 1024.0).toArray();
        return v.length == 0 ? Double.NaN : Median.of(v);
    }

    /** hakmem-netty's median requests/s over the better of Netty's two pools at {@code size}; NaN when one is missing. */
    static double ratioToBestPool(List<Cell> cells, int size) {
        double best = Double.NaN;
        for (String pool : NETTY_POOLS) {
            double v = median(cells, pool, size, WrkResult::requestsPerSec);
            if (!Double.isNaN(v) && (Double.isNaN(best) || v > best)) {
                best = v;
            }
        }
        return median(cells, HAKMEM, size, WrkResult::requestsPerSec) / best;
    }

    private static String num(double v, String pattern) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, pattern, v);
    }

    /** The console table: requests/s and p99 per size, then memory, medians over forks. */
    static String table(List<String> allocators, List<Integer> sizes, List<Cell> cells, List<Jvm> jvms) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %-15s %12s %10s %10s %9s%n", "size", "allocator", "requests/s",
                "p50 ms", "p99 ms", "x pools"));
        for (int size : sizes) {
            for (String a : allocators) {
                sb.append(String.format(Locale.ROOT, "%-10s %-15s %12s %10s %10s %9s%n", sizeLabel(size), a,
                        num(median(cells, a, size, WrkResult::requestsPerSec), "%.0f"),
                        num(median(cells, a, size, WrkResult::p50Ms), "%.3f"),
                        num(median(cells, a, size, WrkResult::p99Ms), "%.3f"),
                        a.equals(HAKMEM) ? num(ratioToBestPool(cells, size), "%.2f") : ""));
            }
        }
        sb.append(String.format(Locale.ROOT, "%n%-15s %14s %14s %18s%n", "allocator", "RSS ready MiB", "RSS peak MiB",
                "RSS after load MiB"));
        for (String a : allocators) {
            sb.append(String.format(Locale.ROOT, "%-15s %14s %14s %18s%n", a, num(medianMiB(jvms, a, Jvm::readyKiB), "%.1f"),
                    num(medianMiB(jvms, a, Jvm::peakKiB), "%.1f"), num(medianMiB(jvms, a, Jvm::afterKiB), "%.1f")));
        }
        return sb.toString();
    }

    /** Writes every output file into {@code out}. */
    static void write(Path out, List<String> allocators, List<Integer> sizes, List<Cell> cells, List<Jvm> jvms,
                      List<String> errors, String settings, double idleSeconds) throws IOException {
        writeCsvs(out, cells, jvms);
        System.setProperty("java.awt.headless", "true");
        requestsChart(out.resolve("requests.png"), allocators, sizes, cells, WrkResult::requestsPerSec, true,
                "requests/s, fastest at each size = 1",
                "HTTP/1.1 server: requests per second (absolute figures in report.md)");
        requestsChart(out.resolve("latency-p99.png"), allocators, sizes, cells, WrkResult::p99Ms, false,
                "p99 latency, ms (median over forks, lower is better)", "HTTP/1.1 server: 99th percentile latency");
        rssChart(out.resolve("rss.png"), allocators, jvms);
        memoryChart(out.resolve("memory.png"), allocators, jvms, idleSeconds);
        try (Writer w = Files.newBufferedWriter(out.resolve("report.md"), StandardCharsets.UTF_8)) {
            w.write("# Netty HTTP/1.1 server: hakmem-netty against Netty's allocators\n\n");
            w.write("Netty's `HttpServerCodec` on NIO, loopback only, one server JVM per allocator and fork; `GET /bytes/N`"
                    + " answers N bytes written into a new `ioBuffer(N)` from the channel's allocator. Load: `wrk`.\n\n");
            w.write("Settings: " + settings + ".\n\n");
            w.write("Machine: " + MachineInfo.current().describe() + "\n\n");
            w.write("## Requests per second (median over forks)\n\n");
            w.write("| size |");
            for (String a : allocators) {
                w.write(" " + a + " |");
            }
            w.write(" hakmem-netty / better of pooled, adaptive |\n|---|");
            w.write("---:|".repeat(allocators.size() + 1));
            w.write("\n");
            for (int size : sizes) {
                w.write("| " + sizeLabel(size) + " |");
                for (String a : allocators) {
                    w.write(" " + num(median(cells, a, size, WrkResult::requestsPerSec), "%.0f") + " |");
                }
                w.write(" " + num(ratioToBestPool(cells, size), "%.2f") + " |\n");
            }
            w.write("\n## Latency, p50 / p99 ms (median over forks)\n\n| size |");
            for (String a : allocators) {
                w.write(" " + a + " |");
            }
            w.write("\n|---|" + "---:|".repeat(allocators.size()) + "\n");
            for (int size : sizes) {
                w.write("| " + sizeLabel(size) + " |");
                for (String a : allocators) {
                    w.write(" " + num(median(cells, a, size, WrkResult::p50Ms), "%.3f") + " / "
                            + num(median(cells, a, size, WrkResult::p99Ms), "%.3f") + " |");
                }
                w.write("\n");
            }
            w.write(String.format(Locale.ROOT, "%n## Server memory, MiB (median over forks)%n%n"
                    + "RSS of the server JVM (`/proc/<pid>/status`): when it is ready, its peak (`VmHWM`, over all sizes)"
                    + " and %.0f s after the load stopped. The heap is fixed and pre-touched in every JVM, so the"
                    + " differences are native memory.%n%n| allocator | ready | peak | after load |%n|---|---:|---:|---:|%n",
                    idleSeconds));
            for (String a : allocators) {
                w.write("| " + a + " | " + num(medianMiB(jvms, a, Jvm::readyKiB), "%.1f") + " | "
                        + num(medianMiB(jvms, a, Jvm::peakKiB), "%.1f") + " | "
                        + num(medianMiB(jvms, a, Jvm::afterKiB), "%.1f") + " |\n");
            }
            w.write("\n![requests](requests.png)\n\n![p99 latency](latency-p99.png)\n\n![RSS over time](rss.png)\n\n"
                    + "![memory](memory.png)\n");
            if (!errors.isEmpty()) {
                w.write("\n## Failures\n\n");
                for (String e : errors) {
                    w.write("- " + e + "\n");
                }
            }
            w.write("\nFiles: `results.csv` (every measured run), `memory.csv` (every JVM), `rss.csv` (RSS samples every "
                    + NettySuite.SAMPLE_MS + " ms), `logs/` (server output, each wrk run's output).\n");
        }
    }

    private static void writeCsvs(Path out, List<Cell> cells, List<Jvm> jvms) throws IOException {
        try (Writer w = Files.newBufferedWriter(out.resolve("results.csv"), StandardCharsets.UTF_8)) {
            w.write("allocator,fork,size_bytes,requests_per_sec,latency_p50_ms,latency_p75_ms,latency_p90_ms,latency_p99_ms,requests,errors\n");
            for (Cell c : cells) {
                WrkResult r = c.wrk();
                w.write(String.format(Locale.ROOT, "%s,%d,%d,%.2f,%.4f,%.4f,%.4f,%.4f,%d,%d%n", c.allocator(), c.fork(), c.size(),
                        r.requestsPerSec(), r.p50Ms(), r.p75Ms(), r.p90Ms(), r.p99Ms(), r.requests(), r.errors()));
            }
        }
        try (Writer w = Files.newBufferedWriter(out.resolve("memory.csv"), StandardCharsets.UTF_8)) {
            w.write("allocator,fork,rss_ready_kib,rss_peak_kib,rss_after_load_kib,error\n");
            for (Jvm j : jvms) {
                w.write(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%s%n", j.allocator(), j.fork(), j.readyKiB(), j.peakKiB(),
                        j.afterKiB(), j.error() == null ? "" : "\"" + j.error().replace('"', '\'') + "\""));
            }
        }
        try (Writer w = Files.newBufferedWriter(out.resolve("rss.csv"), StandardCharsets.UTF_8)) {
            w.write("allocator,fork,seconds,rss_kib,phase\n");
            for (Jvm j : jvms) {
                for (Sample s : j.samples()) {
                    w.write(String.format(Locale.ROOT, "%s,%d,%.3f,%d,%s%n", j.allocator(), j.fork(), s.seconds(), s.rssKiB(),
                            s.phase()));
                }
            }
        }
    }

    private static void style(CategoryChart chart) {
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setSeriesColors(COLORS);
    }

    private static void style(XYChart chart) {
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setSeriesColors(COLORS);
    }

    private static void requestsChart(Path file, List<String> allocators, List<Integer> sizes, List<Cell> cells,
                                      ToDoubleFunction<WrkResult> f, boolean relative, String yTitle, String title)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(520).title(title)
                .xAxisTitle("response body").yAxisTitle(yTitle).build();
        style(chart);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        List<String> labels = sizes.stream().map(NettyReport::sizeLabel).toList();
        for (String a : allocators) {
            List<Double> y = new ArrayList<>();
            for (int size : sizes) {
                double v = median(cells, a, size, f);
                double best = 0;
                for (String b : allocators) {
                    double w = median(cells, b, size, f);
                    best = Double.isNaN(w) ? best : Math.max(best, w);
                }
                y.add(Double.isNaN(v) ? 0.0 : relative ? v / best : v);
            }
            chart.addSeries(a, labels, y);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** RSS over time of each allocator's first JVM that has samples. */
    private static void rssChart(Path file, List<String> allocators, List<Jvm> jvms) throws IOException {
        XYChart chart = new XYChartBuilder().width(1000).height(520)
                .title("Server RSS over time (first fork of each allocator; sizes in order " + NettySuite.SIZES.stream()
                        .map(NettyReport::sizeLabel).toList() + ", then idle)")
                .xAxisTitle("seconds since the server was ready").yAxisTitle("RSS, MiB").build();
        style(chart);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisMin(0.0);
        for (String a : allocators) {
            jvms.stream().filter(j -> j.allocator().equals(a) && !j.samples().isEmpty()).findFirst().ifPresent(j -> {
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (Sample s : j.samples()) {
                    x.add(s.seconds());
                    y.add(s.rssKiB() / 1024.0);
                }
                XYSeries series = chart.addSeries(a, x, y);
                series.setMarker(SeriesMarkers.NONE);
            });
        }
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("no samples", List.of(0.0), List.of(0.0));
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static void memoryChart(Path file, List<String> allocators, List<Jvm> jvms, double idleSeconds)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500)
                .title("Server RSS: peak and " + Math.round(idleSeconds) + " s after the load (median over forks)")
                .xAxisTitle("allocator").yAxisTitle("MiB (lower is better)").build();
        style(chart);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        List<Double> peak = new ArrayList<>();
        List<Double> after = new ArrayList<>();
        for (String a : allocators) {
            double p = medianMiB(jvms, a, Jvm::peakKiB);
            double q = medianMiB(jvms, a, Jvm::afterKiB);
            peak.add(Double.isNaN(p) ? 0 : p);
            after.add(Double.isNaN(q) ? 0 : q);
        }
        chart.addSeries("peak (VmHWM)", allocators, peak);
        chart.addSeries("after load", allocators, after);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
