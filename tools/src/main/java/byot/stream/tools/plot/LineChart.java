package byot.stream.tools.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** A small PNG line chart drawn with Java2D, so reports need no plotting dependency or display. */
public final class LineChart {

    public record Series(String name, double[] x, double[] y) {}

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};
    private static final int W = 900;
    private static final int H = 480;
    private static final int LEFT = 70;
    private static final int RIGHT = 170;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private Double marker;
    private String markerLabel;
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

    public LineChart marker(double x, String label) {
        this.marker = x;
        this.markerLabel = label;
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
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double v : s.x()) {
                xMin = Math.min(xMin, v);
                xMax = Math.max(xMax, v);
            }
        }
        if (!(xMax > xMin)) {
            xMin = 0;
            xMax = 1;
        }
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        g.setColor(new Color(0xdddddd));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= 5; i++) {
            int y = TOP + ph - i * ph / 5;
            g.drawLine(LEFT, y, LEFT + pw, y);
            g.setColor(Color.DARK_GRAY);
            String tick = String.format(yMax - yMin >= 50 ? "%.0f" : "%.1f", yMin + i * (yMax - yMin) / 5);
            g.drawString(tick, LEFT - 8 - g.getFontMetrics().stringWidth(tick), y + 4);
            g.setColor(new Color(0xdddddd));
        }
        g.setColor(Color.DARK_GRAY);
        for (int i = 0; i <= 5; i++) {
            int x = LEFT + i * pw / 5;
            g.drawString(String.format(xMax - xMin >= 10 ? "%.0f" : "%.1f", xMin + i * (xMax - xMin) / 5), x - 10, TOP + ph + 18);
        }
        g.drawRect(LEFT, TOP, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, TOP - 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(xLabel, LEFT + pw / 2 - 40, H - 20);
        g.drawString(yLabel, 8, TOP - 5);
        if (marker != null) {
            int mx = LEFT + (int) ((marker - xMin) / (xMax - xMin) * pw);
            g.setColor(Color.GRAY);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
            g.drawLine(mx, TOP, mx, TOP + ph);
            g.drawString(markerLabel, mx + 4, TOP + 14);
        }
        g.setStroke(new BasicStroke(2f));
        for (int s = 0; s < series.size(); s++) {
            Series line = series.get(s);
            g.setColor(PALETTE[s % PALETTE.length]);
            for (int i = 1; i < line.x().length; i++) {
                g.drawLine(px(line.x()[i - 1], xMin, xMax, pw), py(line.y()[i - 1], ph),
                        px(line.x()[i], xMin, xMax, pw), py(line.y()[i], ph));
            }
            g.fillRect(LEFT + pw + 15, TOP + 10 + s * 22, 14, 4);
            g.setColor(Color.DARK_GRAY);
            g.drawString(line.name(), LEFT + pw + 35, TOP + 16 + s * 22);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static int px(double x, double min, double max, int pw) {
        return LEFT + (int) Math.round((x - min) / (max - min) * pw);
    }

    private int py(double y, int ph) {
        double clamped = Math.max(yMin, Math.min(yMax, y));
        return TOP + ph - (int) Math.round((clamped - yMin) / (yMax - yMin) * ph);
    }
}
