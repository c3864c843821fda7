package byot.stream.tools.train;

import byot.stream.model.loss.TrainingMode;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders finished experiment cells (the JSON lines of {@code byot train}) as the paper's table: for each
 * backbone, width, epoch count and training-set size, and for each mode, per-exit and ensemble test
 * accuracy as mean ± half-range over seeds, training speed and MACs per exit. Cells run with different
 * settings land in different tables, never in one row. The same numbers go to a JSON file beside it.
 */
final class ResultsTable {

    /** What makes two cells comparable: everything but the mode and the seed. */
    record Setting(String arch, double widthMult, int epochs, long trainImages) {
        static Setting of(Map<String, Object> cell) {
            return new Setting(String.valueOf(cell.get("arch")), number(cell, "widthMult"), (int) number(cell, "epochs"),
                    (long) number(cell, "trainImages"));
        }

        String title() {
            return String.format("%s ×%s — %d epoch%s on %,d images", arch, trimmed(widthMult), epochs, epochs == 1 ? "" : "s",
                    trainImages);
        }
    }

    private static final Comparator<Setting> ORDER = Comparator.comparing(Setting::arch)
            .thenComparingDouble(Setting::widthMult).thenComparingInt(Setting::epochs).thenComparingLong(Setting::trainImages);

    private ResultsTable() {
    }

    /**
     * Rewrites the tables from {@code cells}. Rows of the JSON twin whose setting and mode have no cell here are kept
     * as they were: the tables accumulate grids run on other machines or from cell directories no longer at hand.
     */
    static void write(Path markdown, List<Map<String, Object>> cells, String command) throws IOException {
        // By seed within a row: two cells of one seed (a whole-data cell run with and without a limit above the data
        // set's size) are one run, not two that would count twice in the mean. The later file wins.
        TreeMap<Setting, TreeMap<String, LinkedHashMap<Long, Map<String, Object>>>> groups = new TreeMap<>(ORDER);
        for (Map<String, Object> c : cells) {
            groups.computeIfAbsent(Setting.of(c), k -> new TreeMap<>())
                    .computeIfAbsent(rowName(String.valueOf(c.get("mode")), recipeLabel(c)), k -> new LinkedHashMap<>())
                    .put((long) number(c, "seed"), c);
        }
        TreeMap<Setting, TreeMap<String, Map<String, Object>>> rows = new TreeMap<>(ORDER);
        for (Map<String, Object> kept : previousRows(jsonBeside(markdown))) {
            rows.computeIfAbsent(Setting.of(kept), k -> new TreeMap<>())
                    .put(rowName(String.valueOf(kept.get("mode")), String.valueOf(kept.getOrDefault("recipe", ""))), kept);
        }
        for (var group : groups.entrySet()) {
            for (var mode : group.getValue().entrySet()) {
                rows.computeIfAbsent(group.getKey(), k -> new TreeMap<>())
                        .put(mode.getKey(), row(group.getKey(), new ArrayList<>(mode.getValue().values())));
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("Test accuracy (%) on Fashion-MNIST (10k test images) per exit and for the ensemble (mean of the exits' softmax),\n");
        md.append("mean ± half-range over the seeds listed; training throughput in images per second on this machine's CPU;\n");
        md.append("MACs per sample to leave at each exit (sections up to it plus every head on the way). Written by `byot experiment`;\n");
        md.append("the last grid run:\n\n```\n").append(command).append("\n```\n\n");
        md.append("Cells with different width, epochs or training-set size are separate tables. In `baseline` mode only the deepest\n");
        md.append("exit is trained; its shallow heads stay at chance and are shown for completeness. A byot or kd row names the\n");
        md.append("distillation settings that differ from the paper's (α 0.3, λ 0.03, T 3, no warm-up, the deepest exit as teacher);\n");
        md.append("train min is the mean wall time of a cell's training, a kd cell's teacher (its baseline cell) included.\n\n");
        List<Map<String, Object>> json = new ArrayList<>();
        for (var group : rows.entrySet()) {
            md.append("## ").append(group.getKey().title()).append("\n\n");
            boolean timed = group.getValue().values().stream().anyMatch(r -> r.get("trainMinutes") instanceof Number);
            md.append("| mode | seeds | exit 1 | exit 2 | exit 3 | exit 4 | ensemble | train img/s |").append(timed ? " train min |" : "")
                    .append("\n|---|---|---|---|---|---|---|---|").append(timed ? "---|" : "").append("\n");
            Object macs = null;
            for (var mode : group.getValue().entrySet()) {
                Map<String, Object> row = mode.getValue();
                int runs = ((List<?>) row.get("seeds")).size();
                List<?> means = (List<?>) row.get("exitAccuracyMean");
                List<?> spreads = (List<?>) row.get("exitAccuracyHalfRange");
                md.append("| ").append(mode.getKey()).append(" | ").append(row.get("seeds")).append(" | ");
                for (int e = 0; e < 4; e++) {
                    md.append(format(new double[] {((Number) means.get(e)).doubleValue(), ((Number) spreads.get(e)).doubleValue()}, runs))
                            .append(" | ");
                }
                md.append(format(new double[] {number(row, "ensembleAccuracyMean"), number(row, "ensembleAccuracyHalfRange")}, runs))
                        .append(" | ").append(String.format("%.0f", number(row, "trainImagesPerSecond"))).append(" |");
                if (timed) {
                    md.append(row.get("trainMinutes") instanceof Number m ? String.format(" %.1f |", m.doubleValue()) : " — |");
                }
                md.append("\n");
                if (row.get("macsToExit") != null) {
                    macs = row.get("macsToExit");
                }
                json.add(row);
            }
            md.append(deltas(group.getValue()));
            if (macs != null) {
                md.append("\nMACs per sample to leave at exit 1..4: ").append(macs).append("\n");
            }
            md.append("\n");
        }
        Files.createDirectories(markdown.toAbsolutePath().getParent());
        // Each file replaced whole, never cut short by a kill: a half-written page would lose its notes on the next
        // run, and a half-written twin would stop every later run after its first cell.
        AtomicFile.write(markdown, withNotesKept(markdown, md.toString()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        AtomicFile.write(jsonBeside(markdown), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json));
    }

    /**
     * The paper's deltas, for every row that is neither reference: against deep supervision at each exit and the
     * ensemble, and the deepest exit and the ensemble against the baseline's deepest exit (the paper's baseline
     * column: one network; the baseline's own ensemble averages in its untrained shallow heads).
     */
    private static String deltas(Map<String, Map<String, Object>> rows) {
        Map<String, Object> deepsup = rows.get(TrainingMode.DEEPSUP.id());
        Map<String, Object> baseline = rows.get(TrainingMode.BASELINE.id());
        if (deepsup == null && baseline == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (var entry : rows.entrySet()) {
            String mode = String.valueOf(entry.getValue().get("mode"));
            if (mode.equals(TrainingMode.DEEPSUP.id()) || mode.equals(TrainingMode.BASELINE.id())) {
                continue;
            }
            List<String> parts = new ArrayList<>();
            if (deepsup != null) {
                parts.add("vs deepsup " + String.join(" / ", signed(entry.getValue(), deepsup, 0, 1, 2, 3))
                        + pairedWins(entry.getValue(), deepsup));
            }
            if (baseline != null) {
                // The baseline is one classifier, its deepest exit (its "ensemble" averages three untrained heads).
                double reference = exitMean(baseline, 3);
                parts.add("vs baseline " + String.format("%+.2f / %+.2f", exitMean(entry.getValue(), 3) - reference,
                        number(entry.getValue(), "ensembleAccuracyMean") - reference));
            }
            out.append("- ").append(entry.getKey()).append(": ").append(String.join("; ", parts)).append('\n');
        }
        return out.isEmpty() ? "" : "\nΔ (pp) at exits 1 / 2 / 3 / 4 / ensemble; against the baseline (its deepest exit), exit 4 / ensemble:\n\n" + out;
    }

    /**
     * Of the seeds both rows ran, in how many the row is ahead of the reference at every exit: the paper's claim
     * (shallow exits that beat deep supervision) seed by seed, where a mean can hide one lucky seed. Empty when the
     * rows share no seed or were written before seeds were recorded.
     */
    private static String pairedWins(Map<String, Object> row, Map<String, Object> reference) {
        if (!(row.get("accuracyBySeed") instanceof Map<?, ?> mine) || !(reference.get("accuracyBySeed") instanceof Map<?, ?> theirs)) {
            return "";
        }
        int shared = 0;
        int wins = 0;
        for (var seed : mine.entrySet()) {
            if (!(theirs.get(seed.getKey()) instanceof List<?> ref)) {
                continue;
            }
            List<?> acc = (List<?>) seed.getValue();
            shared++;
            boolean ahead = true;
            for (int e = 0; e < 4; e++) {
                ahead &= ((Number) acc.get(e)).doubleValue() > ((Number) ref.get(e)).doubleValue();
            }
            wins += ahead ? 1 : 0;
        }
        return shared == 0 ? "" : " (ahead at every exit in " + wins + " of " + shared + " seeds)";
    }

    /** Row minus reference at the given exits, then at the ensemble, as signed percentage points. */
    private static List<String> signed(Map<String, Object> row, Map<String, Object> reference, int... exits) {
        List<String> out = new ArrayList<>();
        for (int e : exits) {
            out.add(String.format("%+.2f", exitMean(row, e) - exitMean(reference, e)));
        }
        out.add(String.format("%+.2f", number(row, "ensembleAccuracyMean") - number(reference, "ensembleAccuracyMean")));
        return out;
    }

    /** A row's mean accuracy at exit {@code e}, in percent. */
    private static double exitMean(Map<String, Object> row, int e) {
        return ((Number) ((List<?>) row.get("exitAccuracyMean")).get(e)).doubleValue();
    }

    /** A row's name: the mode, and the recipe's differences from the defaults where there are any. */
    private static String rowName(String mode, String recipe) {
        return recipe.isEmpty() ? mode : mode + " (" + recipe + ")";
    }

    private static String recipeLabel(Map<String, Object> cell) {
        return Recipe.ofCell(cell).forMode(TrainingMode.fromId(String.valueOf(cell.get("mode")))).label();
    }

    /** One row of the table (and of its JSON twin): the cells of one setting, mode and recipe, over their seeds. */
    private static Map<String, Object> row(Setting s, List<Map<String, Object>> runs) {
        List<Object> seeds = runs.stream().map(r -> r.get("seed")).sorted(Comparator.comparing(String::valueOf)).toList();
        List<double[]> exitStats = new ArrayList<>();
        for (int e = 0; e < 4; e++) {
            int exit = e;
            exitStats.add(stat(runs.stream().map(r -> ((List<?>) r.get("exitAccuracy")).get(exit)).toList()));
        }
        double[] ensemble = stat(runs.stream().map(r -> r.get("ensembleAccuracy")).toList());
        double speed = runs.stream().mapToDouble(r -> number(r, "trainImagesPerSecond")).average().orElse(0);
        Object macs = null;
        for (Map<String, Object> r : runs) {
            if (r.get("macsToExit") != null) {
                macs = r.get("macsToExit");
            }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("arch", s.arch());
        row.put("widthMult", s.widthMult());
        row.put("epochs", s.epochs());
        row.put("trainImages", s.trainImages());
        row.put("mode", String.valueOf(runs.get(0).get("mode")));
        row.put("recipe", recipeLabel(runs.get(0)));
        row.put("seeds", seeds);
        row.put("exitAccuracyMean", exitStats.stream().map(x -> x[0]).toList());
        row.put("exitAccuracyHalfRange", exitStats.stream().map(x -> x[1]).toList());
        // Per seed, so that rows can be compared seed by seed (same seed: same initial weights and sampling).
        Map<String, Object> bySeed = new TreeMap<>();
        for (Map<String, Object> r : runs) {
            List<Object> exits = new ArrayList<>((List<?>) r.get("exitAccuracy"));
            exits.add(r.get("ensembleAccuracy"));
            bySeed.put(String.valueOf(r.get("seed")), exits);
        }
        row.put("accuracyBySeed", bySeed);
        row.put("ensembleAccuracyMean", ensemble[0]);
        row.put("ensembleAccuracyHalfRange", ensemble[1]);
        row.put("trainImagesPerSecond", Math.round(speed * 10) / 10.0);
        row.put("macsToExit", macs);
        if (runs.stream().allMatch(r -> r.get("trainSeconds") instanceof Number)) {
            double seconds = runs.stream().mapToDouble(r -> number(r, "trainSeconds")
                    + (r.get("teacherTrainSeconds") instanceof Number t ? t.doubleValue() : 0)).average().orElse(0);
            row.put("trainMinutes", Math.round(seconds / 6) / 10.0);
        }
        return row;
    }

    /** The rows the JSON twin holds now; none when there is no twin yet. */
    private static List<Map<String, Object>> previousRows(Path json) throws IOException {
        if (!Files.exists(json)) {
            return List.of();
        }
        try {
            return new ObjectMapper().readValue(json.toFile(), new TypeReference<List<Map<String, Object>>>() { });
        } catch (IOException e) {
            throw new IOException(json + " does not read as the table's rows (" + e.getMessage().lines().findFirst().orElse("")
                    + "); move it away and the next run writes it again from the cells", e);
        }
    }

    static final String BEGIN = "<!-- tables written by byot experiment: begin -->";
    static final String END = "<!-- tables written by byot experiment: end -->";

    /**
     * The file with only its generated part replaced: what people wrote above or below the markers (the
     * reading of the numbers, caveats) survives every rerun of the grid.
     */
    private static String withNotesKept(Path markdown, String tables) throws IOException {
        String generated = BEGIN + "\n" + tables.stripTrailing() + "\n" + END + "\n";
        String old = Files.exists(markdown) ? Files.readString(markdown) : "";
        int begin = old.indexOf(BEGIN);
        int end = old.indexOf(END, Math.max(begin, 0));
        if (begin < 0) {
            // A page of the user's own without the markers: the tables go below its text, which stays.
            return old.isBlank() ? "# Results\n\n" + generated : old.stripTrailing() + "\n\n" + generated;
        }
        if (end < 0) {
            return old.substring(0, begin) + generated;
        }
        return old.substring(0, begin) + generated + old.substring(end + END.length()).replaceFirst("^\n", "");
    }

    /** docs/results.md -> docs/results.json */
    static Path jsonBeside(Path markdown) {
        String name = markdown.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return markdown.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
    }

    /** Mean and half-range, in percent. */
    private static double[] stat(List<?> values) {
        double[] v = values.stream().mapToDouble(o -> ((Number) o).doubleValue() * 100).toArray();
        double mean = Arrays.stream(v).average().orElse(0);
        double spread = (Arrays.stream(v).max().orElse(0) - Arrays.stream(v).min().orElse(0)) / 2;
        return new double[] {Math.round(mean * 100) / 100.0, Math.round(spread * 100) / 100.0};
    }

    private static String format(double[] stat, int runs) {
        return runs < 2 ? String.format("%.2f", stat[0]) : String.format("%.2f ± %.2f", stat[0], stat[1]);
    }

    private static double number(Map<String, Object> cell, String field) {
        Object v = cell.get(field);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("experiment cell has no numeric '" + field + "': " + cell);
        }
        return n.doubleValue();
    }

    /** 0.25 as "0.25", 3.0 as "3": a setting as people write it, in titles, row labels and file names. */
    static String trimmed(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
