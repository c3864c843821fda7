package byot.stream.tools.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
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
        assertThat(Files.size(dir.resolve("memory.png"))).isPositive();
        assertThat(Files.size(dir.resolve("traffic.png"))).isPositive();
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
