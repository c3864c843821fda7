package byot.stream.tools.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A PNG line chart of the reports (demo, soak), drawn by JFreeChart. It only fixes what the reports share: size,
 * style, a y range that defaults to 0..1, and an optional dashed vertical marker. Needs no display (JFreeChart
 * draws into an image; the {@code byot} launcher runs with {@code java.awt.headless=true}).
 */
public final class LineChart {

    /** One line: {@code y[i]} at {@code x[i]}. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values and " + y.length
                        + " y values");
            }
        }
    }

    static final int WIDTH = 900;
    static final int HEIGHT = 480;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};
    private static final Color GRID = new Color(0xdddddd);
    private static final Color TEXT = new Color(0x333333);
    /** Drift alarms: solid black, apart from every series colour and from the grey dashed shift. */
    private static final Color ALARM = Color.BLACK;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private Double marker;
    private String markerLabel;
    private final List<Double> alarms = new ArrayList<>();
    private String alarmLabel;
    private double yMin = 0;
    private double yMax = 1;

    public LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public LineChart add(Series s) {
        series.add(s);
        return this;
    }

    /** A dashed vertical line at {@code x}, labelled (the demo's domain shift). */
    public LineChart marker(double x, String label) {
        this.marker = x;
        this.markerLabel = label;
        return this;
    }

    /** A solid black vertical line at {@code x} (a drift alarm); only the first of them carries {@code label}. */
    public LineChart alarm(double x, String label) {
        alarms.add(x);
        if (alarmLabel == null) {
            alarmLabel = label;
        }
        return this;
    }

    /** The y axis range; the default 0..1 suits shares and accuracies. */
    public LineChart yRange(double min, double max) {
        if (!(max > min)) {
            throw new IllegalArgumentException("empty y range " + min + ".." + max);
        }
        this.yMin = min;
        this.yMax = max;
        return this;
    }

    public void write(Path file) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart(), WIDTH, HEIGHT);
    }

    /** The chart as JFreeChart builds it, for callers that render it elsewhere or inspect it. */
    public JFreeChart chart() {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries line = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                line.add(s.x()[i], s.y()[i], false);
            }
            data.addSeries(line);
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(false);
        x.setLowerMargin(0);
        x.setUpperMargin(0);
        NumberAxis y = new NumberAxis(yLabel);
        y.setRange(yMin, yMax);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        if (marker != null) {
            plot.addDomainMarker(shiftMarker(), Layer.FOREGROUND);
        }
        for (int i = 0; i < alarms.size(); i++) {
            plot.addDomainMarker(alarmMarker(alarms.get(i), i == 0 ? alarmLabel : null), Layer.FOREGROUND);
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        // Applied to this chart only: ChartFactory.setChartTheme would change every chart in the process.
        theme().apply(chart);
        // After the theme, which resets series paints and strokes.
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(GRID);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        chart.setPadding(new RectangleInsets(8, 8, 8, 16));
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setFrame(BlockBorder.NONE);
        legend.setItemLabelPadding(new RectangleInsets(4, 4, 4, 4));
        return chart;
    }

    private ValueMarker shiftMarker() {
        ValueMarker line = new ValueMarker(marker, Color.GRAY,
                new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
        label(line, markerLabel, TEXT, RectangleAnchor.TOP_RIGHT, TextAnchor.TOP_LEFT);
        return line;
    }

    private static ValueMarker alarmMarker(double x, String label) {
        ValueMarker line = new ValueMarker(x, ALARM, new BasicStroke(1.5f));
        if (label != null) {
            label(line, label, ALARM, RectangleAnchor.BOTTOM_RIGHT, TextAnchor.BOTTOM_LEFT);
        }
        return line;
    }

    /** A marker's label, in the chart's one style: the shift's at the top, alarms' at the bottom. */
    private static void label(ValueMarker line, String text, Color paint, RectangleAnchor anchor, TextAnchor textAnchor) {
        line.setLabel(text);
        line.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        line.setLabelPaint(paint);
        line.setLabelBackgroundColor(new Color(255, 255, 255, 200));
        line.setLabelAnchor(anchor);
        line.setLabelTextAnchor(textAnchor);
        line.setLabelOffset(new RectangleInsets(4, 4, 4, 4));
    }

    private static StandardChartTheme theme() {
        StandardChartTheme theme = new StandardChartTheme("byot");
        theme.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        theme.setLargeFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        theme.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        theme.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        theme.setTitlePaint(TEXT);
        theme.setAxisLabelPaint(TEXT);
        theme.setTickLabelPaint(TEXT);
        theme.setLegendItemPaint(TEXT);
        theme.setChartBackgroundPaint(Color.WHITE);
        theme.setLegendBackgroundPaint(Color.WHITE);
        return theme;
    }
}
