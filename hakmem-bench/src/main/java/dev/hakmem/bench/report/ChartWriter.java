package dev.hakmem.bench.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * One PNG bar chart per case with XChart: allocators along the x axis, median Mops/s up the
 * y axis, hakmem's bar in orange and the others in grey-blue. Rendered headless.
 */
public final class ChartWriter {

    /** The null adapter's bar is left out when it is this many times the best allocator's. */
    private static final double OFF_SCALE = 2.5;

    private ChartWriter() {}

    /** The chart's file name for a case. */
    public static String fileName(CaseSummary c) {
        return "chart-" + Formats.slug(c.driver(), c.params()) + ".png";
    }

    /** Writes {@link #fileName} of {@code c} into {@code dir} and returns its path. */
    public static Path write(CaseSummary c, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<String> names = new ArrayList<>();
        List<Double> hakmem = new ArrayList<>();
        List<Double> others = new ArrayList<>();
        double best = 0;
        for (CaseSummary.Line l : c.lines()) {
            if (!l.allocator().equals("null") && l.opsPerSec() > best) {
                best = l.opsPerSec();
            }
        }
        String offScale = "";
        for (CaseSummary.Line l : c.lines()) {
            double mops = Double.isNaN(l.opsPerSec()) ? 0 : l.opsPerSec() / 1e6;
            if (l.allocator().equals("null") && best > 0 && l.opsPerSec() > OFF_SCALE * best) {
                // The driver alone can be orders of magnitude faster than any allocator; a bar
                // that tall would flatten all the others, so it is named in the title instead.
                offScale = String.format(java.util.Locale.ROOT, "  (null: %.0f Mops/s, off scale)", mops);
                continue;
            }
            names.add(l.allocator());
            boolean isHakmem = l.allocator().equals("hakmem");
            hakmem.add(isHakmem ? mops : 0.0);
            others.add(isHakmem ? 0.0 : mops);
        }
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500)
                .title(c.driver() + " [" + c.params() + "]" + offScale)
                .xAxisTitle("allocator").yAxisTitle("Mops/s (median, higher is better)").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setStacked(true);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setSeriesColors(new Color[] {ChartStyle.HAKMEM, ChartStyle.OTHERS});
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setXAxisLabelRotation(names.size() > 6 ? 30 : 0);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("#,##0.#");
        chart.addSeries("hakmem", names, hakmem);
        chart.addSeries("others", names, others);
        Path file = dir.resolve(fileName(c));
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }
}
