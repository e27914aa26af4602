package dev.hakmem.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The run at a glance: hakmem's median ops/s over each other allocator's, per case, as a table
 * (cells below 1 in bold: that allocator was faster) and as one grouped bar chart with a line at
 * 1, its bars cut at {@link #CUT} (the table has every figure; the chart is for the cells near 1).
 */
public final class RatioOverview {

    /** File name of the chart. */
    public static final String CHART = "chart-overview.png";
    /** Key of the chart in the report's chart map. */
    public static final String KEY = "overview";

    private static final Color[] PEERS = {
        ChartStyle.OTHERS, new Color(0x9E, 0xB7, 0x3A), new Color(0x8E, 0x5E, 0xA2),
        new Color(0x3A, 0x9E, 0x9A), new Color(0xC4, 0x9A, 0x3A), new Color(0x7A, 0x7A, 0x7A),
        new Color(0xB0, 0x4A, 0x5A), new Color(0x4A, 0x6A, 0xB0), new Color(0x5A, 0xA0, 0x5A),
        new Color(0xA0, 0x70, 0x50)};
    /** Bars above this ratio are drawn at it. */
    static final double CUT = 3.0;

    private RatioOverview() {}

    /** The allocators other than hakmem, in first-seen order, without the {@code null} adapter. */
    static List<String> peers(List<CaseSummary> cases) {
        List<String> out = new ArrayList<>();
        for (CaseSummary c : cases) {
            for (CaseSummary.Line l : c.lines()) {
                String a = l.allocator();
                if (!a.equals("hakmem") && !a.equals("null") && !out.contains(a)) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** Whether the run has hakmem and something to compare it with. */
    public static boolean applies(List<CaseSummary> cases) {
        boolean hakmem = false;
        for (CaseSummary c : cases) {
            hakmem |= c.line("hakmem") != null;
        }
        return hakmem && !peers(cases).isEmpty();
    }

    /** hakmem's ops/s over {@code peer}'s on case {@code c}; NaN if either is missing. */
    static double ratio(CaseSummary c, String peer) {
        double r = c.ratioToHakmem(peer);
        return r > 0 ? 1 / r : Double.NaN;
    }

    /** A short name for a case: the driver, and its parameters when two cases share the driver. */
    static String label(CaseSummary c, List<CaseSummary> cases) {
        int same = 0;
        for (CaseSummary o : cases) {
            same += o.driver().equals(c.driver()) ? 1 : 0;
        }
        return same == 1 ? c.driver() : c.driver() + " " + c.params();
    }

    /** The markdown table, or "" when the run has nothing to compare. */
    public static String table(List<CaseSummary> cases) {
        if (!applies(cases)) {
            return "";
        }
        List<String> peers = peers(cases);
        StringBuilder md = new StringBuilder("| case | hakmem Mops/s |");
        StringBuilder rule = new StringBuilder("|---|---:|");
        for (String p : peers) {
            md.append(" / ").append(p).append(" |");
            rule.append("---:|");
        }
        md.append('\n').append(rule).append('\n');
        for (CaseSummary c : cases) {
            CaseSummary.Line h = c.line("hakmem");
            if (h == null) {
                continue;
            }
            md.append("| ").append(label(c, cases)).append(" | ").append(Formats.mops(h.opsPerSec())).append(" |");
            for (String p : peers) {
                double r = ratio(c, p);
                String cell = Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2f", r);
                md.append(' ').append(r < 1 ? "**" + cell + "**" : cell).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** Writes {@link #CHART} into {@code dir}; null when the run has nothing to compare. */
    public static Path chart(List<CaseSummary> cases, Path dir) throws IOException {
        if (!applies(cases)) {
            return null;
        }
        System.setProperty("java.awt.headless", "true");
        List<String> labels = new ArrayList<>();
        List<CaseSummary> shown = new ArrayList<>();
        for (CaseSummary c : cases) {
            if (c.line("hakmem") != null) {
                labels.add(label(c, cases));
                shown.add(c);
            }
        }
        List<String> peers = peers(cases);
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(520)
                .title("hakmem's speed over each allocator's (median; above 1: hakmem faster; bars cut at " + CUT + ")")
                .xAxisTitle("case").yAxisTitle("hakmem / allocator").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(CUT);
        chart.getStyler().setYAxisDecimalPattern("0.0");
        chart.getStyler().setXAxisLabelRotation(shown.size() > 6 ? 30 : 0);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        List<Color> colors = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            String p = peers.get(i);
            List<Double> ys = new ArrayList<>();
            for (CaseSummary c : shown) {
                double r = ratio(c, p);
                ys.add(Double.isNaN(r) ? 0.0 : Math.min(r, CUT));
            }
            chart.addSeries(p, labels, ys);
            colors.add(PEERS[i % PEERS.length]);
        }
        CategorySeries parity = chart.addSeries("parity (1.0)", labels, Collections.nCopies(labels.size(), 1.0));
        parity.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        parity.setMarker(SeriesMarkers.NONE);
        parity.setLineStyle(new BasicStroke(2f));
        colors.add(ChartStyle.HAKMEM);
        chart.getStyler().setSeriesColors(colors.toArray(new Color[0]));
        Path file = dir.resolve(CHART);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
