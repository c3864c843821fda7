package byot.stream.jobs.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders finished experiment cells (the JSON lines of {@code byot train}) as the paper's table: for each
 * backbone and mode, per-exit and ensemble test accuracy as mean ± half-range over seeds, training speed and
 * MACs per exit.
 */
final class ResultsTable {

    private ResultsTable() {
    }

    static void write(Path markdown, List<Map<String, Object>> cells, String command) throws IOException {
        TreeMap<String, TreeMap<String, List<Map<String, Object>>>> byArch = new TreeMap<>();
        for (Map<String, Object> c : cells) {
            String arch = c.get("arch") + " ×" + c.get("widthMult");
            byArch.computeIfAbsent(arch, k -> new TreeMap<>()).computeIfAbsent((String) c.get("mode"), k -> new ArrayList<>()).add(c);
        }
        StringBuilder md = new StringBuilder();
        md.append("# Results\n\n");
        md.append("Test accuracy (%) on Fashion-MNIST (60k train / 10k test) per exit and for the ensemble (mean of the exits' softmax),\n");
        md.append("mean ± half-range over the seeds listed. Written by `byot experiment`; rerun with:\n\n```\n").append(command).append("\n```\n\n");
        md.append("In `baseline` mode only the deepest exit is trained; its shallow heads stay at chance and are shown for completeness.\n\n");
        for (var arch : byArch.entrySet()) {
            md.append("## ").append(arch.getKey()).append("\n\n");
            md.append("| mode | seeds | exit 1 | exit 2 | exit 3 | exit 4 | ensemble | train img/s | epochs |\n");
            md.append("|---|---|---|---|---|---|---|---|---|\n");
            Object macs = null;
            for (var mode : arch.getValue().entrySet()) {
                List<Map<String, Object>> runs = mode.getValue();
                md.append("| ").append(mode.getKey()).append(" | ");
                md.append(runs.stream().map(r -> String.valueOf(r.get("seed"))).sorted().toList()).append(" | ");
                for (int e = 0; e < 4; e++) {
                    int exit = e;
                    md.append(stat(runs.stream().map(r -> (Object) ((List<?>) r.get("exitAccuracy")).get(exit)).toList())).append(" | ");
                }
                md.append(stat(runs.stream().map(r -> r.get("ensembleAccuracy")).toList())).append(" | ");
                md.append(String.format("%.0f", runs.stream().mapToDouble(r -> ((Number) r.get("trainImagesPerSecond")).doubleValue())
                        .average().orElse(0))).append(" | ");
                md.append(runs.get(0).get("epochs")).append(" |\n");
                if (runs.get(0).get("macsToExit") != null) {
                    macs = runs.get(0).get("macsToExit");
                }
            }
            if (macs != null) {
                md.append("\nMACs per sample to leave at exit 1..4: ").append(macs).append("\n");
            }
            md.append("\n");
        }
        Files.createDirectories(markdown.toAbsolutePath().getParent());
        Files.writeString(markdown, md.toString());
    }

    private static String stat(List<Object> values) {
        double[] v = values.stream().mapToDouble(o -> ((Number) o).doubleValue() * 100).toArray();
        double mean = java.util.Arrays.stream(v).average().orElse(0);
        if (v.length < 2) {
            return String.format("%.2f", mean);
        }
        double spread = (java.util.Arrays.stream(v).max().orElse(0) - java.util.Arrays.stream(v).min().orElse(0)) / 2;
        return String.format("%.2f ± %.2f", mean, spread);
    }
}
