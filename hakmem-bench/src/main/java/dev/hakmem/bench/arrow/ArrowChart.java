package dev.hakmem.bench.arrow;

import dev.hakmem.bench.report.ChartStyle;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** The arrow suite's two PNG charts (XChart, headless): relative throughput and peak RSS, one bar group per case. */
public final class ArrowChart {

    private static final Color NETTY = new Color(0x6C, 0x83, 0x9E);
    private static final Color UNSAFE = new Color(0xA8, 0xB5, 0xC4);
    private static final Color NULL = new Color(0xD0, 0xD0, 0xD0);

    /** Top of the relative-throughput axis; taller bars are cut there and their values named in the title. */
    static final double Y_MAX = 3.0;

    private ArrowChart() {}

    /**
     * {@code arrow-throughput.png}: per case, each manager's throughput divided by the best of
     * netty and unsafe (so the better of those two is 1.0 and hakmem's bar is its ratio).
     */
    public static Path throughput(List<ArrowResults.Summary> summaries, List<String> managers, Path dir) throws IOException {
        List<String> names = summaries.stream().map(s -> s.c().label()).toList();
        List<List<Double>> series = new ArrayList<>();
        StringBuilder offScale = new StringBuilder();
        for (String m : managers) {
            List<Double> ys = new ArrayList<>();
            for (ArrowResults.Summary s : summaries) {
                ArrowResults.Line l = s.lines().get(m);
                String best = s.bestOther();
                double base = best == null ? Double.NaN : s.lines().get(best).opsPerSec();
                double y = l == null || Double.isNaN(base) ? 0.0 : l.opsPerSec() / base;
                if (y > Y_MAX) { // one far-ahead bar would flatten every other: cut it, and give its value in the title
                    offScale.append(String.format(java.util.Locale.ROOT, "%s %s %.1fx; ", s.c().label(), m, y));
                    y = Y_MAX;
                }
                ys.add(y);
            }
            series.add(ys);
        }
        CategoryChart chart = chart("Throughput relative to the better of Arrow's Netty and Unsafe managers (higher is better)"
                + (offScale.isEmpty() ? "" : " [cut at " + Y_MAX + ": " + offScale.substring(0, offScale.length() - 2) + "]"),
                "relative throughput (median)");
        chart.getStyler().setYAxisMax(Y_MAX);
        for (int i = 0; i < managers.size(); i++) {
            chart.addSeries(managers.get(i), names, series.get(i));
        }
        return save(chart, managers, dir.resolve("arrow-throughput.png"));
    }

    /** {@code arrow-rss.png}: per case, each manager's peak RSS in MiB (whole JVM, fixed heap included). */
    public static Path rss(List<ArrowResults.Summary> summaries, List<String> managers, Path dir) throws IOException {
        CategoryChart chart = chart("Peak RSS of the JVM (VmHWM, median; lower is better)", "MiB");
        List<String> names = summaries.stream().map(s -> s.c().label()).toList();
        for (String m : managers) {
            List<Double> ys = new ArrayList<>();
            for (ArrowResults.Summary s : summaries) {
                ArrowResults.Line l = s.lines().get(m);
                ys.add(l == null ? 0.0 : l.peakMiB());
            }
            chart.addSeries(m, names, ys);
        }
        return save(chart, managers, dir.resolve("arrow-rss.png"));
    }

    private static CategoryChart chart(String title, String yTitle) {
        System.setProperty("java.awt.headless", "true");
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(520).title(title)
                .xAxisTitle("case").yAxisTitle(yTitle).build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setXAxisLabelRotation(25);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("#,##0.##");
        return chart;
    }

    private static Path save(CategoryChart chart, List<String> managers, Path file) throws IOException {
        Color[] colors = new Color[managers.size()];
        for (int i = 0; i < colors.length; i++) {
            colors[i] = switch (managers.get(i)) {
                case "hakmem" -> ChartStyle.HAKMEM;
                case "netty" -> NETTY;
                case "null" -> NULL;
                default -> UNSAFE;
            };
        }
        chart.getStyler().setSeriesColors(colors);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
