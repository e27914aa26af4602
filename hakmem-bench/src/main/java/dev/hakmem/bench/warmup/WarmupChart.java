package dev.hakmem.bench.warmup;

import dev.hakmem.bench.report.ChartStyle;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The warm-up line charts (XChart, PNG): Mops/s per window against time since {@code t0}, or the
 * operations done since {@code t0} (cumulative; smooth, and the horizontal gap between two lines
 * is the time one variant is behind the other).
 */
public final class WarmupChart {

    private static final Color[] COLORS = {ChartStyle.HAKMEM, new Color(0x1F, 0x77, 0xB4),
            new Color(0x6C, 0x83, 0x9E), new Color(0x2C, 0xA0, 0x2C), new Color(0x94, 0x67, 0xBD),
            new Color(0x8C, 0x56, 0x4B)};

    private WarmupChart() {}

    /**
     * Writes a chart of {@code curves} (label to operations per window, medians over JVMs) up to
     * {@code untilMs} into {@code file}.
     */
    public static Path write(Map<String, long[]> curves, int windowMs, double untilMs, String title, Path file)
            throws IOException {
        return write(curves, windowMs, untilMs, title, file, false);
    }

    /** As {@link #write(Map, int, double, String, Path)}; {@code cumulative}: millions of operations since t0. */
    public static Path write(Map<String, long[]> curves, int windowMs, double untilMs, String title, Path file,
                             boolean cumulative) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(560).title(title)
                .xAxisTitle(cumulative ? "ms since t0 (start of measurement; window end)"
                        : "ms since t0 (start of measurement; window start)")
                .yAxisTitle(cumulative ? "million operations done since t0 (median curve)"
                        : "Mops/s in the " + windowMs + " ms window (median over JVMs)").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(untilMs);
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        int k = 0;
        for (Map.Entry<String, long[]> e : curves.entrySet()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            long[] ops = e.getValue();
            double sum = 0;
            if (cumulative) {
                x.add(0.0);
                y.add(0.0);
            }
            for (int w = 0; w < ops.length && w * (double) windowMs <= untilMs; w++) {
                sum += ops[w];
                x.add((cumulative ? w + 1 : w) * (double) windowMs);
                y.add(cumulative ? sum / 1e6 : ops[w] * 1000.0 / windowMs / 1e6);
            }
            if (x.isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(COLORS[k++ % COLORS.length]);
            s.setLineStyle(new BasicStroke(1.6f));
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
