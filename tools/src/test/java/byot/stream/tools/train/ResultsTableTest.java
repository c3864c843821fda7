package byot.stream.tools.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsTableTest {

    @TempDir
    Path dir;

    static Map<String, Object> cell(String arch, double width, String mode, int seed, int epochs, long images, double acc) {
        Map<String, Object> c = new HashMap<>();
        c.put("arch", arch);
        c.put("widthMult", width);
        c.put("mode", mode);
        c.put("seed", seed);
        c.put("epochs", epochs);
        c.put("trainImages", images);
        c.put("exitAccuracy", List.of(acc - 0.03, acc - 0.02, acc - 0.01, acc));
        c.put("ensembleAccuracy", acc + 0.005);
        c.put("trainImagesPerSecond", 100.0 + seed);
        c.put("macsToExit", List.of(1, 2, 3, 4));
        return c;
    }

    @Test
    void cellsWithDifferentSettingsNeverShareARow() throws Exception {
        Path md = dir.resolve("results.md");
        ResultsTable.write(md, List.of(
                cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.90),
                cell("resnet18", 0.25, "byot", 1, 3, 60000, 0.92),
                cell("resnet18", 0.25, "byot", 0, 1, 60000, 0.80),
                cell("resnet18", 0.25, "byot", 0, 1, 256, 0.40),
                cell("vgg19bn", 0.125, "deepsup", 0, 1, 60000, 0.85)), "./byot experiment ...");
        String text = Files.readString(md);
        assertThat(text).contains("## resnet18 ×0.25 — 3 epochs on 60,000 images")
                .contains("## resnet18 ×0.25 — 1 epoch on 60,000 images")
                .contains("## resnet18 ×0.25 — 1 epoch on 256 images")
                .contains("## vgg19bn ×0.125 — 1 epoch on 60,000 images");
        // The two 3-epoch seeds (exit 4: 0.90, 0.92) make one row of means ± half-ranges, speeds averaged.
        assertThat(text).contains("| byot | [0, 1] | 88.00 ± 1.00 | 89.00 ± 1.00 | 90.00 ± 1.00 | 91.00 ± 1.00 | 91.50 ± 1.00 | 101 |");
        assertThat(text).contains("| byot | [0] | 37.00 | 38.00 | 39.00 | 40.00 | 40.50 | 100 |");
        assertThat(text).contains("MACs per sample to leave at exit 1..4: [1, 2, 3, 4]");

        List<?> json = new ObjectMapper().readValue(ResultsTable.jsonBeside(md).toFile(), List.class);
        assertThat(json).hasSize(4); // five cells, the two seeds of one setting in one row
        assertThat(ResultsTable.jsonBeside(md).getFileName().toString()).isEqualTo("results.json");
    }

    @Test
    void notesAroundTheGeneratedTablesSurviveARewrite() throws Exception {
        Path md = dir.resolve("results.md");
        ResultsTable.write(md, List.of(cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.90)), "./byot experiment --seeds 0");
        String first = Files.readString(md);
        assertThat(first).startsWith("# Results\n\n" + ResultsTable.BEGIN);
        Files.writeString(md, first.replace("# Results\n\n", "# Results\n\nA note above.\n\n") + "\n## Reading\n\nA note below.\n");

        ResultsTable.write(md, List.of(cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.90),
                cell("resnet18", 0.25, "byot", 1, 3, 60000, 0.92)), "./byot experiment --seeds 0,1");

        String second = Files.readString(md);
        assertThat(second).startsWith("# Results\n\nA note above.\n\n" + ResultsTable.BEGIN)
                .endsWith(ResultsTable.END + "\n\n## Reading\n\nA note below.\n")
                .contains("--seeds 0,1").doesNotContain("--seeds 0\n")
                .contains("| byot | [0, 1] |");
        assertThat(second.split(ResultsTable.BEGIN, -1)).hasSize(2);
    }

    @Test
    void rowsOfGridsWhoseCellsAreNotHereSurviveAndRowsWithNewCellsAreReplaced() throws Exception {
        Path md = dir.resolve("results.md");
        ResultsTable.write(md, List.of(cell("vgg19bn", 0.125, "byot", 0, 1, 10000, 0.80),
                cell("vgg19bn", 0.125, "byot", 1, 1, 10000, 0.82)), "./byot experiment --archs vgg19bn:0.125");
        // Another machine, another cells directory: only the new backbone's cells, and a rerun of one vgg mode.
        ResultsTable.write(md, List.of(cell("resnet50", 0.125, "deepsup", 0, 1, 10000, 0.70),
                cell("vgg19bn", 0.125, "deepsup", 0, 1, 10000, 0.60)), "./byot experiment --archs resnet50:0.125");
        String text = Files.readString(md);
        assertThat(text).contains("## vgg19bn ×0.125 — 1 epoch on 10,000 images")
                .contains("| byot | [0, 1] | 78.00 ± 1.00 | 79.00 ± 1.00 | 80.00 ± 1.00 | 81.00 ± 1.00 | 81.50 ± 1.00 | 101 |")
                .contains("| deepsup | [0] | 57.00 | 58.00 | 59.00 | 60.00 | 60.50 | 100 |")
                .contains("## resnet50 ×0.125 — 1 epoch on 10,000 images");
        assertThat(new ObjectMapper().readValue(ResultsTable.jsonBeside(md).toFile(), List.class)).hasSize(3);

        ResultsTable.write(md, List.of(cell("vgg19bn", 0.125, "byot", 0, 1, 10000, 0.50)), "./byot experiment --seeds 0");
        assertThat(Files.readString(md)).contains("| byot | [0] | 47.00 | 48.00 | 49.00 | 50.00 | 50.50 | 100 |")
                .doesNotContain("| byot | [0, 1] |");
    }

    @Test
    void aCellIsDoneOnlyWhenEverySettingAgrees() {
        var grid = new ExperimentCommand.Cell("resnet18", "0.25", "byot", "0", Recipe.PAPER);
        Map<String, Object> old = cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.9); // written before cells recorded the limit
        assertThat(ExperimentCommand.sameSetting(old, grid, 3, null)).isTrue();
        assertThat(ExperimentCommand.sameSetting(old, grid, 1, null)).isFalse();
        assertThat(ExperimentCommand.sameSetting(old, grid, 3, 256L)).isFalse();
        assertThat(ExperimentCommand.sameSetting(old, new ExperimentCommand.Cell("resnet18", "0.125", "byot", "0", Recipe.PAPER), 3, null)).isFalse();
        assertThat(ExperimentCommand.sameSetting(old, new ExperimentCommand.Cell("resnet18", "0.25", "byot", "1", Recipe.PAPER), 3, null)).isFalse();
        Map<String, Object> smoke = cell("resnet18", 0.25, "byot", 0, 3, 256, 0.4);
        smoke.put("limit", 256);
        assertThat(ExperimentCommand.sameSetting(smoke, grid, 3, 256L)).isTrue();
        assertThat(ExperimentCommand.sameSetting(smoke, grid, 3, null)).isFalse();

        // A limit above the data set's size was capped: the cell trained on all 60,000 images, as one without a limit.
        Map<String, Object> capped = cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.9);
        capped.put("limit", 70000);
        assertThat(ExperimentCommand.sameSetting(capped, grid, 3, null)).isTrue();
        assertThat(ExperimentCommand.sameSetting(capped, grid, 3, 100_000L)).isTrue();
        assertThat(ExperimentCommand.sameSetting(old, grid, 3, 70_000L)).isTrue();
        assertThat(ExperimentCommand.sameSetting(capped, grid, 3, 5000L)).isFalse();
    }

    @Test
    void twoCellsOfOneSeedCountOnceInTheirRow() throws Exception {
        Path md = dir.resolve("results.md");
        Map<String, Object> capped = cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.80);
        capped.put("limit", 70000);
        ResultsTable.write(md, List.of(cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.90), capped,
                cell("resnet18", 0.25, "byot", 1, 3, 60000, 0.92)), "./byot experiment ...");
        assertThat(Files.readString(md)).contains("| byot | [0, 1] | 83.00 ± 6.00 |"); // seed 0 once (the later cell), not 3 runs
    }

    @Test
    void aPageWithoutTheMarkersKeepsItsTextAndGetsTheTablesBelow() throws Exception {
        Path md = dir.resolve("notes.md");
        Files.writeString(md, "# My notes\n\nWritten by hand.\n");
        ResultsTable.write(md, List.of(cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.90)), "./byot experiment --seeds 0");
        assertThat(Files.readString(md)).startsWith("# My notes\n\nWritten by hand.\n\n" + ResultsTable.BEGIN)
                .endsWith(ResultsTable.END + "\n");

        // Cut short after the begin marker (a page written before writes were atomic): the text above it stays.
        String text = Files.readString(md);
        Files.writeString(md, text.substring(0, text.indexOf("| byot")));
        ResultsTable.write(md, List.of(cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.90)), "./byot experiment --seeds 0");
        assertThat(Files.readString(md)).isEqualTo(text);
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("notes.md", "notes.json");
        }
    }

    /**
     * Cells from before recipes were recorded count as the default recipe; a byot cell with another recipe is
     * another cell (and another row), while baseline and deep supervision ignore the recipe altogether.
     */
    @Test
    void aByotCellIsDoneOnlyForTheSameRecipe() {
        Recipe noHint = new Recipe(0.3, 0.0, 3.0, 0, "deepest");
        Map<String, Object> old = cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.9);
        assertThat(ExperimentCommand.sameSetting(old, new ExperimentCommand.Cell("resnet18", "0.25", "byot", "0", noHint), 3, null)).isFalse();
        Map<String, Object> hintless = cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.9);
        hintless.put("recipe", noHint.fields());
        assertThat(ExperimentCommand.sameSetting(hintless, new ExperimentCommand.Cell("resnet18", "0.25", "byot", "0", noHint), 3, null)).isTrue();
        assertThat(ExperimentCommand.sameSetting(hintless, new ExperimentCommand.Cell("resnet18", "0.25", "byot", "0", Recipe.PAPER), 3, null))
                .isFalse();
        Map<String, Object> deepsup = cell("resnet18", 0.25, "deepsup", 0, 3, 60000, 0.9);
        assertThat(ExperimentCommand.sameSetting(deepsup, new ExperimentCommand.Cell("resnet18", "0.25", "deepsup", "0", noHint), 3, null)).isTrue();
        assertThat(new ExperimentCommand.Cell("resnet18", "0.25", "deepsup", "0", noHint).name(3, null)).isEqualTo("resnet18-x0.25-deepsup-s0-e3");
        assertThat(new ExperimentCommand.Cell("resnet18", "0.25", "byot", "0", noHint).name(3, null)).isEqualTo("resnet18-x0.25-byot-l0-s0-e3");
        assertThat(new Recipe(0.1, 0.0, 3.0, 156, "ensemble").label()).isEqualTo("α 0.1, λ 0, warm-up 156 steps, ensemble teacher");
    }

    @Test
    void recipesGetRowsOfTheirOwnAndKdTimeIncludesItsTeacher() throws Exception {
        Path md = dir.resolve("results.md");
        Map<String, Object> ensemble = cell("resnet18", 0.25, "byot", 0, 1, 60000, 0.90);
        ensemble.put("recipe", new Recipe(0.3, 0.03, 3.0, 0, "ensemble").fields());
        ensemble.put("trainSeconds", 120.0);
        Map<String, Object> byot = cell("resnet18", 0.25, "byot", 0, 1, 60000, 0.88);
        byot.put("trainSeconds", 130.0);
        Map<String, Object> kd = cell("resnet18", 0.25, "kd", 0, 1, 60000, 0.89);
        kd.put("trainSeconds", 150.0);
        kd.put("teacherTrainSeconds", 90.0);
        ResultsTable.write(md, List.of(ensemble, byot, kd), "./byot experiment ...");
        String text = Files.readString(md);
        assertThat(text).contains("| mode | seeds | exit 1 | exit 2 | exit 3 | exit 4 | ensemble | train img/s | train min |");
        assertThat(text).contains("| byot | [0] | 85.00 | 86.00 | 87.00 | 88.00 | 88.50 | 100 | 2.2 |");
        assertThat(text).contains("| byot (ensemble teacher) | [0] | 87.00 | 88.00 | 89.00 | 90.00 | 90.50 | 100 | 2.0 |");
        assertThat(text).contains("| kd | [0] | 86.00 | 87.00 | 88.00 | 89.00 | 89.50 | 100 | 4.0 |");

        assertThat(text).doesNotContain("Δ (pp)"); // neither reference in this setting

        // Rewritten from the JSON twin alone (the cells gone), the rows keep their recipes apart.
        ResultsTable.write(md, List.of(), "./byot experiment ...");
        assertThat(Files.readString(md)).contains("| byot (ensemble teacher) | [0] |").contains("| byot | [0] |");
    }

    @Test
    void everyOtherRowGetsItsDeltasAgainstDeepSupervisionAndTheBaseline() throws Exception {
        Path md = dir.resolve("results.md");
        ResultsTable.write(md, List.of(
                cell("resnet18", 0.25, "deepsup", 0, 3, 60000, 0.90),
                cell("resnet18", 0.25, "baseline", 0, 3, 60000, 0.915),
                cell("resnet18", 0.25, "byot", 0, 3, 60000, 0.8975)), "./byot experiment ...");
        String text = Files.readString(md);
        // byot is 0.25 pp below deep supervision everywhere (same offsets per exit); its deepest exit 1.75 pp below the
        // baseline's and its ensemble (deepest + 0.5 pp in these cells) 1.25 pp below it.
        assertThat(text).contains("- byot: vs deepsup -0.25 / -0.25 / -0.25 / -0.25 / -0.25 (ahead at every exit in 0 of 1 seeds);"
                + " vs baseline -1.75 / -1.25\n");
        assertThat(text).doesNotContain("- deepsup:").doesNotContain("- baseline:");
    }

    /** Seed by seed: a row ahead on average thanks to one seed is not ahead in every seed. */
    @Test
    void pairedSeedsCountWhereARowIsAheadAtEveryExit() throws Exception {
        Path md = dir.resolve("results.md");
        ResultsTable.write(md, List.of(
                cell("resnet18", 0.25, "deepsup", 0, 1, 60000, 0.90),
                cell("resnet18", 0.25, "deepsup", 1, 1, 60000, 0.90),
                cell("resnet18", 0.25, "deepsup", 2, 1, 60000, 0.90),
                cell("resnet18", 0.25, "byot", 0, 1, 60000, 0.93),
                cell("resnet18", 0.25, "byot", 1, 1, 60000, 0.89),
                cell("resnet18", 0.25, "byot", 3, 1, 60000, 0.95)), "./byot experiment ...");
        // Seeds 0 and 1 are shared; seed 0 is ahead everywhere, seed 1 behind; seed 3 has no partner.
        assertThat(Files.readString(md)).contains("(ahead at every exit in 1 of 2 seeds)");
    }

    /** kd has no hint and its own teacher: λ and --distill-teacher change nothing there, so they neither name its cell nor its row. */
    @Test
    void aKdCellIgnoresTheSettingsKdDoesNotUse() {
        Recipe recipe = new Recipe(0.1, 0.0, 3.0, 0, "ensemble");
        var kd = new ExperimentCommand.Cell("resnet18", "0.25", "kd", "0", recipe);
        assertThat(kd.name(1, null)).isEqualTo("resnet18-x0.25-kd-a0.1-s0-e1");
        Map<String, Object> cell = cell("resnet18", 0.25, "kd", 0, 1, 60000, 0.9);
        cell.put("recipe", recipe.fields());
        assertThat(ExperimentCommand.sameSetting(cell, kd, 1, null)).isTrue();
        assertThat(ExperimentCommand.sameSetting(cell, new ExperimentCommand.Cell("resnet18", "0.25", "kd", "0",
                new Recipe(0.1, 0.03, 3.0, 0, "deepest")), 1, null)).isTrue();
        assertThat(new ExperimentCommand.Cell("resnet18", "0.25", "byot", "0", recipe).name(1, null))
                .isEqualTo("resnet18-x0.25-byot-a0.1-l0-tensemble-s0-e1");
    }
}
