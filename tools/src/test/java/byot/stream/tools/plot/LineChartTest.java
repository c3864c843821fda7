package byot.stream.tools.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.Marker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.Layer;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {

    private static final double[] X = {0, 1, 2, 3};

    private static LineChart twoSeries() {
        return new LineChart("Accuracy", "seconds", "accuracy")
                .add(new LineChart.Series("exit 1", X, new double[] {0.2, 0.4, 0.5, 0.6}))
                .add(new LineChart.Series("exit 2", X, new double[] {0.3, 0.6, 0.7, 0.8}))
                .marker(1.5, "shift");
    }

    @Test
    void writesAPngOfTheChartsSize(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("accuracy.png");
        twoSeries().write(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("a readable PNG").isNotNull();
        assertThat(image.getWidth()).isEqualTo(LineChart.WIDTH);
        assertThat(image.getHeight()).isEqualTo(LineChart.HEIGHT);
        assertThat(colours(image)).as("lines in more than background, grid and text colours").isGreaterThan(8);
    }

    @Test
    void plotsEverySeriesWithItsNameAndPoints() {
        JFreeChart chart = twoSeries().chart();
        assertThat(chart.getTitle().getText()).isEqualTo("Accuracy");
        XYPlot plot = chart.getXYPlot();
        assertThat(plot.getDomainAxis().getLabel()).isEqualTo("seconds");
        assertThat(plot.getRangeAxis().getLabel()).isEqualTo("accuracy");
        XYDataset data = plot.getDataset();
        assertThat(data.getSeriesCount()).isEqualTo(2);
        assertThat(data.getSeriesKey(1)).isEqualTo("exit 2");
        assertThat(data.getItemCount(1)).isEqualTo(4);
        assertThat(data.getYValue(1, 2)).isEqualTo(0.7);
        List<String> legend = new ArrayList<>();
        for (int i = 0; i < plot.getLegendItems().getItemCount(); i++) {
            legend.add(plot.getLegendItems().get(i).getLabel());
        }
        assertThat(legend).containsExactly("exit 1", "exit 2");
    }

    @Test
    void marksEachDriftAlarmApartFromTheShift() {
        XYPlot plot = twoSeries().alarm(1.75, "drift alarm").alarm(2.5, "drift alarm").chart().getXYPlot();
        List<ValueMarker> markers = plot.getDomainMarkers(Layer.FOREGROUND).stream().map(m -> (ValueMarker) m).toList();
        assertThat(markers).extracting(ValueMarker::getValue).containsExactly(1.5, 1.75, 2.5);
        assertThat(markers).extracting(Marker::getLabel).containsExactly("shift", "drift alarm", null);
        assertThat(markers.get(1).getPaint()).isNotEqualTo(markers.get(0).getPaint());
    }

    @Test
    void marksTheShiftAndKeepsTheYRange() {
        XYPlot plot = twoSeries().yRange(0, 2).chart().getXYPlot();
        assertThat(plot.getDomainMarkers(Layer.FOREGROUND)).singleElement()
                .satisfies(m -> {
                    assertThat(((ValueMarker) m).getValue()).isEqualTo(1.5);
                    assertThat(((Marker) m).getLabel()).isEqualTo("shift");
                });
        assertThat(plot.getRangeAxis().getLowerBound()).isEqualTo(0);
        assertThat(plot.getRangeAxis().getUpperBound()).isEqualTo(2);
    }

    @Test
    void defaultsToTheUnitRangeForSharesAndAccuracies() {
        XYPlot plot = twoSeries().chart().getXYPlot();
        assertThat(plot.getRangeAxis().getLowerBound()).isEqualTo(0);
        assertThat(plot.getRangeAxis().getUpperBound()).isEqualTo(1);
    }

    @Test
    void writesAnEmptyChartWhenThereIsNoData(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("empty.png");
        new LineChart("Nothing yet", "x", "y").add(new LineChart.Series("exit 1", new double[0], new double[0])).write(png);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(LineChart.WIDTH);
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> new LineChart.Series("a", new double[] {1, 2}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 x values and 1 y values");
        assertThatThrownBy(() -> twoSeries().yRange(1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty y range");
    }

    private static int colours(BufferedImage image) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
