package byot.stream.tools.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import javax.imageio.ImageIO;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakReportTest {

    private static final long MB = 1 << 20;

    @Test
    void memoryThatLevelsOffAfterWarmUpIsFlat() {
        // Warm-up climb for a third, then a plateau with noise.
        SoakReport report = new SoakReport(samples(i -> i < 20 ? 400 * MB + i * 30 * MB : 1000 * MB + (i % 3) * 5 * MB));
        assertThat(report.plateau(ResourceSample::nativeBytes).flat()).isTrue();
        assertThat(report.summary(Map.of())).containsEntry("memoryFlat", true);
    }

    @Test
    void memoryThatKeepsRisingIsALeak() {
        SoakReport report = new SoakReport(samples(i -> 400 * MB + i * 8 * MB));
        SoakReport.Plateau p = report.plateau(ResourceSample::nativeBytes);
        assertThat(p.flat()).isFalse();
        assertThat(p.slopeMbPerMinute()).isCloseTo(8 * 12, org.assertj.core.data.Offset.offset(0.5)); // 12 samples a minute
        assertThat(report.summary(Map.of())).containsEntry("memoryFlat", false);
    }

    @Test
    void writesTheReportAndBothPlots(@TempDir Path dir) throws Exception {
        SoakReport report = new SoakReport(samples(i -> 500 * MB));
        report.write(dir, report.summary(Map.of("sent", 60)));
        assertThat(Files.readString(dir.resolve("report.json"))).contains("\"sent\":60").contains("\"samples\":[");
        for (String png : List.of("memory.png", "traffic.png")) {
            BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
            assertThat(image).as(png).isNotNull();
            assertThat(image.getWidth()).as(png).isEqualTo(900);
            assertThat(image.getHeight()).as(png).isEqualTo(480);
        }
    }

    @Test
    void chartsPlotEveryMemoryAndTrafficSeriesInMegabytesAndMilliseconds() {
        SoakReport report = new SoakReport(samples(i -> 500 * MB));
        XYDataset memory = report.memoryChart().chart().getXYPlot().getDataset();
        assertThat(keys(memory)).containsExactly("heap used", "live heap", "off-heap resident", "process RSS", "checkpoint");
        assertThat(memory.getItemCount(0)).isEqualTo(60);
        assertThat(memory.getYValue(2, 0)).isEqualTo(500.0);
        assertThat(memory.getXValue(0, 59)).isEqualTo(59 * 5 / 60.0);
        XYDataset traffic = report.trafficChart().chart().getXYPlot().getDataset();
        assertThat(keys(traffic)).containsExactly("events/s", "latency p50 (ms)", "latency p99 (ms)");
        assertThat(traffic.getYValue(2, 10)).isEqualTo(90.0);
    }

    @Test
    void medianIntervalP99IsTheNearestRankMedianOfTheSteadyIntervals() {
        // Interval p99s 0, 10, ..., 590 ms; the first tenth (0-50) is warm-up, the 54 left are 60-590 ms:
        // the nearest-rank median is the 27th of them.
        List<ResourceSample> samples = new ArrayList<>();
        for (ResourceSample s : samples(i -> 500 * MB)) {
            samples.add(new ResourceSample(s.atSeconds(), s.heapUsedBytes(), s.liveHeapBytes(), s.nativeBytes(),
                    s.javacppBytes(), s.nativePointers(), s.residentBytes(), s.gcMillis(), s.checkpointBytes(), s.sent(),
                    s.predicted(), s.eventsPerSecond(), s.latencyP50Ms(), 2 * (long) s.atSeconds(), s.modelVersion()));
        }
        assertThat(new SoakReport(samples).summary(Map.of())).containsEntry("medianIntervalP99Ms", 320L);
    }

    private static List<Comparable<?>> keys(XYDataset data) {
        List<Comparable<?>> out = new ArrayList<>();
        for (int i = 0; i < data.getSeriesCount(); i++) {
            out.add(data.getSeriesKey(i));
        }
        return out;
    }

    /** Sixty samples five seconds apart, native memory from {@code nativeBytes}, the rest steady. */
    private static List<ResourceSample> samples(LongUnaryOperator nativeBytes) {
        List<ResourceSample> out = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            out.add(new ResourceSample(5.0 * i, 300 * MB, 200 * MB, nativeBytes.applyAsLong(i), 0, 0,
                    2000 * MB, 3, 11 * MB, 250L * i * 5, 250L * i * 5, 250, 40, 90, i / 10));
        }
        return out;
    }
}
