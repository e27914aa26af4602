package dev.hakmem.bench.report;

import java.awt.Color;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;

/**
 * What every chart of the benchmark suites shares: XChart's own theme on white, hakmem in orange.
 * (XChart declares {@code setTheme} on each kind of styler, hence one method per kind.)
 */
public final class ChartStyle {

    /** hakmem's colour in every chart. */
    public static final Color HAKMEM = new Color(0xE6, 0x6A, 0x00);
    /** The other allocators' bars in the per-case charts. */
    static final Color OTHERS = new Color(0x6C, 0x83, 0x9E);

    private ChartStyle() {}

    /** XChart's theme on a white background, for a bar chart; the caller adds its own settings. */
    public static void apply(CategoryStyler styler) {
        styler.setTheme(Styler.ChartTheme.XChart.newInstance(Styler.ChartTheme.XChart));
        styler.setChartBackgroundColor(Color.WHITE);
    }

    /** The same for a line chart. */
    public static void apply(XYStyler styler) {
        styler.setTheme(Styler.ChartTheme.XChart.newInstance(Styler.ChartTheme.XChart));
        styler.setChartBackgroundColor(Color.WHITE);
    }
}
