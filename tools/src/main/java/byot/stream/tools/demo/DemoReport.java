package byot.stream.tools.demo;

import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.Prediction;
import byot.stream.tools.plot.LineChart;
import byot.stream.tools.train.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the demo's committed predictions and metrics windows into report.json and two PNG plots: exit-depth
 * distribution over the stream, and accuracy per exit over the stream, with the domain shift and the drift
 * alarms marked.
 */
final class DemoReport {

    private final List<Prediction> predictions;
    private final List<MetricsWindow> windows;
    private final long shiftAfter;
    private final ReplayPositions positions;
    private final int exits;
    /** Scores against every event's ground truth; null when the caller has none. */
    private ServedAccuracy groundTruth;

    DemoReport(List<Prediction> predictions, List<MetricsWindow> windows, ReplayPositions positions, long shiftAfter,
               int exits) {
        this.predictions = predictions;
        this.positions = positions;
        this.windows = windows;
        this.shiftAfter = shiftAfter;
        this.exits = exits;
    }

    /**
     * Adds the measures scored against every event's ground truth to the report: {@code servedAccuracy}'s
     * {@code first1000AfterShift} and {@code last2000BeforeShift}, and {@code eventsToRecover}.
     */
    DemoReport groundTruth(ServedAccuracy served) {
        this.groundTruth = served;
        return this;
    }

    private long position(Prediction p) {
        return positions.of(p.id());
    }

    Map<String, Object> write(Path dir, Map<String, Object> run) throws IOException {
        Files.createDirectories(dir);
        long total = predictions.size();
        int bins = 40;
        long binSize = Math.max(1, (total + bins - 1) / bins);
        double[] binX = new double[bins];
        double[][] depthShare = new double[exits][bins];
        long[] binCount = new long[bins];
        long[] servedCorrect = new long[bins];
        long[] servedLabelled = new long[bins];
        long[] histogram = new long[exits];
        for (Prediction p : predictions) {
            int b = (int) Math.min(bins - 1, Math.max(0, position(p)) / binSize);
            binCount[b]++;
            depthShare[p.exitDepth() - 1][b]++;
            histogram[p.exitDepth() - 1]++;
            if (p.label() != null) {
                servedLabelled[b]++;
                servedCorrect[b] += p.predictedClass() == p.label() ? 1 : 0;
            }
        }
        List<Double> xs = new ArrayList<>();
        List<Double> served = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            binX[b] = (b + 0.5) * binSize;
            for (int e = 0; e < exits; e++) {
                depthShare[e][b] = binCount[b] == 0 ? 0 : depthShare[e][b] / binCount[b];
            }
        }
        LineChart depth = new LineChart("Exit-depth distribution over the stream", "event index", "share of events");
        for (int e = 0; e < exits; e++) {
            depth.add(new LineChart.Series("exit " + (e + 1), binX, depthShare[e]));
        }
        DriftReport drift = new DriftReport(windows, positions, shiftAfter);
        drift.alarms().forEach(a -> depth.alarm(drift.position(a), "drift alarm"));
        depth.marker(shiftAfter, "shift").write(dir.resolve("exit-depth.png"));

        // Prequential per-exit accuracy from the metrics windows, summed over model versions per window.
        TreeMap<Long, long[][]> byWindow = new TreeMap<>();
        for (MetricsWindow w : windows) {
            long[][] acc = byWindow.computeIfAbsent(w.windowStart(), k -> new long[2][exits]);
            for (int e = 0; e < exits; e++) {
                acc[0][e] += w.perExitCorrect()[e];
                acc[1][e] += w.perExitLabeled()[e];
            }
        }
        long shiftTime = predictions.stream().filter(p -> position(p) >= shiftAfter).mapToLong(Prediction::eventTime).min()
                .orElse(Long.MAX_VALUE);
        long start = predictions.stream().mapToLong(Prediction::eventTime).min().orElse(0);
        List<long[][]> labelled = byWindow.values().stream().filter(a -> a[1][exits - 1] > 0).toList();
        List<Long> starts = byWindow.entrySet().stream().filter(en -> en.getValue()[1][exits - 1] > 0).map(Map.Entry::getKey).toList();
        double[] wx = new double[labelled.size()];
        double[][] wy = new double[exits][labelled.size()];
        for (int i = 0; i < labelled.size(); i++) {
            wx[i] = (starts.get(i) - start) / 1000.0;
            for (int e = 0; e < exits; e++) {
                wy[e][i] = labelled.get(i)[1][e] == 0 ? 0 : (double) labelled.get(i)[0][e] / labelled.get(i)[1][e];
            }
        }
        LineChart accuracy = new LineChart("Prequential accuracy per exit (test, then train)", "seconds of event time",
                "accuracy");
        for (int e = 0; e < exits; e++) {
            accuracy.add(new LineChart.Series("exit " + (e + 1), wx, wy[e]));
        }
        if (shiftTime != Long.MAX_VALUE) {
            accuracy.marker((shiftTime - start) / 1000.0, "shift");
        }
        drift.alarms().forEach(a -> accuracy.alarm((a.eventTime() - start) / 1000.0, "drift alarm"));
        accuracy.write(dir.resolve("accuracy-per-exit.png"));

        for (int b = 0; b < bins; b++) {
            xs.add(binX[b]);
            served.add(servedLabelled[b] == 0 ? null : Json.round((double) servedCorrect[b] / servedLabelled[b]));
        }
        Map<String, Object> report = new LinkedHashMap<>(run);
        report.put("predictions", total);
        report.put("exitHistogram", histogram);
        report.put("shiftAfterEvent", shiftAfter);
        report.put("drift", drift.toMap());
        // Served accuracy: what the early-exit answers got right, on the labelled events of each phase.
        Map<String, Double> phases = new LinkedHashMap<>();
        phases.put("beforeShift", phase(p -> position(p) < shiftAfter && position(p) >= shiftAfter * 0.6));
        phases.put("justAfterShift", phase(p -> position(p) >= shiftAfter && position(p) < shiftAfter + (total - shiftAfter) * 0.2));
        phases.put("endOfStream", phase(p -> position(p) >= total - (total - shiftAfter) * 0.2));
        if (groundTruth != null) {
            phases.put("last2000BeforeShift", rounded(groundTruth.beforeShift()));
            phases.put("first1000AfterShift", rounded(groundTruth.firstAfterShift(1000)));
        }
        report.put("servedAccuracy", phases);
        if (groundTruth != null) {
            report.put("eventsToRecover", groundTruth.eventsToRecover());
        }
        Map<String, Object> byBin = new LinkedHashMap<>();
        byBin.put("eventIndex", xs);
        byBin.put("accuracy", served);
        report.put("servedAccuracyByBin", byBin);
        List<Map<String, Object>> series = new ArrayList<>();
        for (int i = 0; i < wx.length; i++) {
            List<Double> perExit = new ArrayList<>();
            for (int e = 0; e < exits; e++) {
                perExit.add(Json.round(wy[e][i]));
            }
            series.add(Map.of("second", wx[i], "perExitAccuracy", perExit));
        }
        report.put("prequentialAccuracyByWindow", series);
        report.put("plots", List.of("exit-depth.png", "accuracy-per-exit.png"));
        Files.writeString(dir.resolve("report.json"), Json.line(report) + "\n");
        return report;
    }

    private static Double rounded(Double accuracy) {
        return accuracy == null ? null : Json.round(accuracy);
    }

    private Double phase(java.util.function.Predicate<Prediction> in) {
        long labelled = 0;
        long correct = 0;
        for (Prediction p : predictions) {
            if (p.label() != null && in.test(p)) {
                labelled++;
                correct += p.predictedClass() == p.label() ? 1 : 0;
            }
        }
        return labelled == 0 ? null : Json.round((double) correct / labelled);
    }
}
