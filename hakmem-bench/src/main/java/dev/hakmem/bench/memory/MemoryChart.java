package dev.hakmem.bench.memory;

import dev.hakmem.bench.report.ChartStyle;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * One PNG line chart per memory driver with XChart: seconds since the baseline along x, MiB up
 * y; per allocator its RSS above the baseline as a solid line and the live bytes it held as a
 * thin dashed line of the same colour (hakmem in orange). Rendered headless.
 */
final class MemoryChart {

    private static final Map<String, Color> COLORS = Map.of(
            "hakmem", ChartStyle.HAKMEM,
            "glibc", new Color(0x1F, 0x5F, 0xB4),
            "mimalloc", new Color(0x2E, 0x8B, 0x3A),
            "jemalloc", new Color(0x7B, 0x3F, 0xA0),
            "tcmalloc", new Color(0xB0, 0x30, 0x30),
            "netty-pooled", new Color(0x55, 0x55, 0x55),
            "netty-adaptive", new Color(0x1A, 0x9A, 0x9A));
    private static final Color OTHER = new Color(0x99, 0x88, 0x44);
    private static final BasicStroke SOLID = new BasicStroke(2.0f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    private static final BasicStroke DASHED = new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
            new float[] {6f, 4f}, 0f);

    private MemoryChart() {}

    /** The chart's file name for {@code driver}. */
    static String fileName(String driver) {
        return "memory-" + driver.replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
    }

    /**
     * Writes the chart of {@code driver} into {@code dir}: one JVM's series per allocator
     * ({@code series}, in legend order).
     */
    static Path write(String driver, String subtitle, List<Series> series, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1100).height(600)
                .title(driver + ": RSS above baseline (solid) and live bytes (dashed)" + (subtitle.isEmpty() ? "" : ", " + subtitle))
                .xAxisTitle("seconds since the baseline").yAxisTitle("MiB").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        chart.getStyler().setXAxisDecimalPattern("0.#");
        for (Series s : series) {
            int n = s.samples().length;
            if (n == 0) {
                continue;
            }
            double[] t = new double[n];
            double[] rss = new double[n];
            double[] live = new double[n];
            for (int i = 0; i < n; i++) {
                long[] x = s.samples()[i];
                t[i] = x[0] / 1000.0;
                live[i] = x[1] / 1048576.0;
                rss[i] = (x[2] - s.baselineKiB()) / 1024.0;
            }
            Color c = COLORS.getOrDefault(s.allocator(), OTHER);
            XYSeries r = chart.addSeries(s.allocator() + " RSS", t, rss);
            r.setMarker(SeriesMarkers.NONE);
            r.setLineColor(c);
            r.setLineStyle(SOLID);
            XYSeries l = chart.addSeries(s.allocator() + " live", t, live);
            l.setMarker(SeriesMarkers.NONE);
            l.setLineColor(c);
            l.setLineStyle(DASHED);
        }
        Path file = dir.resolve(fileName(driver));
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
