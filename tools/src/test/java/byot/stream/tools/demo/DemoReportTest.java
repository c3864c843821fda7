package byot.stream.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.DriftAlarm;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.Prediction;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("unchecked")
class DemoReportTest {

    private static final int EXITS = 3;
    private static final int EVENTS = 2000;
    private static final ReplayPositions POSITIONS = ReplayPositions.fileOrder(10_000);
    private static final long SHIFT = 1000;

    /** Synthetic predictions as {@link #writeSyntheticReport} makes them; event {@code i} shows class {@code i % 10}. */
    private static List<Prediction> syntheticPredictions() {
        List<Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            Integer label = i % 2 == 0 ? i % 10 : null;
            int predicted = i < SHIFT || i % 3 == 0 ? i % 10 : (i + 1) % 10;
            predictions.add(new Prediction("test-" + i + "-0", "camera-0", predicted, 0.8, 1, new double[] {0.8}, 1,
                    10 * i, 5, label));
        }
        return predictions;
    }

    /** On a shared broker other writers' answers share the topics; the report scores only the replay's own. */
    @Test
    void onlyAnswersToTheReplaysEventsAreReported() {
        Prediction ours = new Prediction("test-5-0", "camera-0", 1, 0.8, 1, new double[] {0.8}, 1, 10, 5, 1);
        Prediction foreignId = new Prediction("foo", "camera-0", 1, 0.8, 1, new double[] {0.8}, 1, 10, 5, 1);
        Prediction otherSplit = new Prediction("train-5-0", "camera-0", 1, 0.8, 1, new double[] {0.8}, 1, 10, 5, 1);
        Prediction outOfRange = new Prediction("test-10000-0", "camera-0", 1, 0.8, 1, new double[] {0.8}, 1, 10, 5, 1);
        Prediction deeper = new Prediction("test-6-0", "camera-0", 1, 0.8, 5, new double[] {0.1, 0.2, 0.3, 0.4, 0.8}, 1, 10, 5, 1);
        assertThat(DemoCommand.ofThisReplay(List.of(ours, foreignId, otherSplit, outOfRange, deeper), "test", POSITIONS, EXITS))
                .containsExactly(ours);
    }

    @Test
    void groundTruthAddsTheShiftMeasuresOverEveryEvent(@TempDir Path dir) throws Exception {
        List<Prediction> predictions = syntheticPredictions();
        ServedAccuracy served = ServedAccuracy.score(predictions, index -> index % 10, POSITIONS, SHIFT);
        Map<String, Object> report = new DemoReport(predictions, List.of(), POSITIONS, SHIFT, EXITS).groundTruth(served)
                .write(dir, Map.of("events", EVENTS));
        // After the shift only events 1002, 1005, .. 1998 are right: 333 of 1000, labelled or not.
        assertThat((Map<String, Object>) report.get("servedAccuracy")).containsEntry("first1000AfterShift", 0.333)
                .containsEntry("last2000BeforeShift", 1.0);
        assertThat(report).containsEntry("eventsToRecover", null);
        assertThat(Files.readString(dir.resolve("report.json"))).contains("\"first1000AfterShift\":0.333")
                .contains("\"eventsToRecover\":null");
    }

    @Test
    void withoutGroundTruthTheShiftMeasuresAreLeftOut(@TempDir Path dir) throws Exception {
        Map<String, Object> report = new DemoReport(syntheticPredictions(), List.of(), POSITIONS, SHIFT, EXITS)
                .write(dir, Map.of("events", EVENTS));
        assertThat(report).doesNotContainKey("eventsToRecover");
        assertThat((Map<String, Object>) report.get("servedAccuracy")).doesNotContainKey("first1000AfterShift");
    }

    /** Writes the demo's outputs of a synthetic run to {@code dir}: shallow exits before the shift, deep after. */
    static Map<String, Object> writeSyntheticReport(Path dir) throws Exception {
        List<Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            int depth = i < SHIFT ? 1 + i % 2 : 1 + (i % 5 == 0 ? 0 : 2);
            double[] confidences = new double[depth];
            Arrays.fill(confidences, 0.8);
            Integer label = i % 2 == 0 ? i % 10 : null;
            int predicted = i < SHIFT || i % 3 == 0 ? i % 10 : (i + 1) % 10;
            predictions.add(new Prediction("test-" + i + "-0", "camera-0", predicted, 0.8, depth, confidences, 1,
                    10 * i, 5, label));
        }
        List<MetricsWindow> windows = new ArrayList<>();
        for (long start = 0; start < 10L * EVENTS; start += 1000) {
            long labelled = 50;
            long correct = start < 10 * SHIFT ? 40 : 20 + start / 1000;
            windows.add(new MetricsWindow(start, start + 1000, 1, 100, new long[] {50, 30, 20},
                    new long[] {correct - 10, correct - 5, correct}, new long[] {labelled, labelled, labelled}, 0.8, 100,
                    5, 8, 9, 0));
        }
        return new DemoReport(predictions, windows, POSITIONS, SHIFT, EXITS).write(dir, Map.of("events", EVENTS));
    }

    @Test
    void theDriftSectionPlacesEachAlarmRelativeToTheShift(@TempDir Path dir) throws Exception {
        List<Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            predictions.add(new Prediction("test-" + i + "-0", "camera-0", 1, 0.8, 1, new double[] {0.8}, 1, 10 * i, 5, 1));
        }
        DriftAlarm early = new DriftAlarm("test-400-0", 4000, 120, 3, "adwin", new int[] {2}, new int[0]);
        DriftAlarm late = new DriftAlarm("test-1180-0", 11_800, 350, 9, "adwin", new int[] {1, 3}, new int[] {1, 2});
        List<MetricsWindow> windows = List.of(
                new MetricsWindow(11_000, 12_000, 9, 0, new long[3], new long[3], new long[3], 0, 0, 0, 0, 0, 0, List.of(late)),
                new MetricsWindow(4_000, 5_000, 3, 0, new long[3], new long[3], new long[3], 0, 0, 0, 0, 0, 0, List.of(early)));
        Map<String, Object> report = new DemoReport(predictions, windows, POSITIONS, SHIFT, EXITS).write(dir, Map.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> drift = (Map<String, Object>) report.get("drift");
        assertThat(drift).containsEntry("detectedAtEvents", List.of(400L, 1180L))
                .containsEntry("eventsAfterShift", List.of(-600L, 180L))
                .containsEntry("alarmsBeforeShift", 1L)
                .containsEntry("firstAlarmEventsAfterShift", 180L)
                .containsEntry("summary", "first alarm 180 events after the shift at 1000; 1 before it (false alarms)");
        assertThat(Files.readString(dir.resolve("report.json"))).contains("\"detectedAtEvents\":[400,1180]");
    }

    @Test
    void writesTheReportAndBothPlots(@TempDir Path dir) throws Exception {
        Map<String, Object> report = writeSyntheticReport(dir);
        assertThat(report).containsEntry("predictions", (long) EVENTS)
                .containsEntry("plots", List.of("exit-depth.png", "accuracy-per-exit.png"));
        assertThat(Files.readString(dir.resolve("report.json"))).contains("\"shiftAfterEvent\":1000");
        for (String png : List.of("exit-depth.png", "accuracy-per-exit.png")) {
            BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
            assertThat(image).as(png).isNotNull();
            assertThat(image.getWidth()).as(png).isEqualTo(900);
            assertThat(image.getHeight()).as(png).isEqualTo(480);
        }
    }
}
