package byot.stream.tools.train;

import byot.stream.tools.cli.Command;
import byot.stream.tools.cli.DirectoryLock;
import byot.stream.jobs.config.DistillationOptions;
import byot.stream.jobs.config.JobOption;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.tools.cli.StatusLine;
import byot.stream.jobs.config.UsageException;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code byot experiment}: the grid of backbones × modes × seeds. Each finished cell is kept as its own JSON
 * file, so an interrupted grid resumes where it stopped (a cell is done when a file with the same backbone,
 * width, mode, seed, epochs and limit exists, and for {@code byot} and {@code kd} cells the same {@link Recipe});
 * after every cell the results table is rewritten. A {@code kd} cell's teacher is the {@code baseline} cell of
 * the same backbone, width, seed, epochs and limit, so {@code --modes baseline,kd} compares classic distillation's
 * whole cost (teacher and student) with one BYOT run.
 */
public final class ExperimentCommand implements Command {

    private final PrintStream out;
    private final PrintStream err;

    public ExperimentCommand() {
        this(System.out, System.err);
    }

    ExperimentCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "experiment";
    }

    @Override
    public String summary() {
        return "Run a grid of archs x modes x seeds (resumable) and write the results table";
    }

    @Override
    public Options options() {
        return DistillationOptions.declare(new Options()).addAll(List.of(DistillationOptions.WARMUP_STEPS))
                .add("archs", "resnet18", "Comma-separated backbones, each optionally with its own width: resnet18:0.25,wrn20-8:0.0625")
                .add("modes", "baseline,deepsup,byot", "Comma-separated training modes")
                .add("seeds", "0,1", "Comma-separated seeds")
                .add("epochs", "3", "Epochs per cell")
                .add("width-mult", "0.25", "Width multiplier of every backbone without its own")
                .add("data", null, "Directory with the Fashion-MNIST IDX files")
                .add("cells", "out/experiments", "Directory of finished cells (<arch>-x<width>-<mode>-s<seed>-e<epochs>[-n<limit>].json) and models")
                .add("table", "docs/results.md", "Markdown table to (re)write; a JSON twin goes beside it")
                .add("limit", null, "Train on only the first N images (smoke runs)");
    }

    /** One cell of the grid; {@code recipe} is only what changes its mode's loss ({@link Recipe#forMode}). */
    record Cell(String arch, String width, String mode, String seed, Recipe recipe) {
        Cell {
            recipe = recipe.forMode(TrainingMode.fromId(mode));
        }

        String name(int epochs, Long limit) {
            return arch + "-x" + width + "-" + mode + recipe.fileSuffix() + "-s" + seed + "-e" + epochs
                    + (limit != null ? "-n" + limit : "");
        }

        Cell withMode(TrainingMode other) {
            return new Cell(arch, width, other.id(), seed, recipe);
        }
    }

    @Override
    public int run(Parsed args) throws Exception {
        Path cells = Path.of(args.get("cells"));
        Files.createDirectories(cells);
        // Two grids on one directory would train the same cells and write the same temporary files.
        try (DirectoryLock held = DirectoryLock.tryHold(cells.resolve(".experiment.lock")).orElseThrow(() ->
                new UsageException("another byot experiment is running on " + cells + "; wait for it or use another --cells"))) {
            return runGrid(args, cells);
        }
    }

    private int runGrid(Parsed args, Path cells) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Recipe recipe = Recipe.of(DistillationOptions.config(args, TrainingMode.BYOT));
        List<Cell> grid = new ArrayList<>();
        for (String entry : args.get("archs").split(",")) {
            String[] parts = entry.trim().split(":");
            String arch = Architecture.fromId(parts[0]).id();
            String width = parts.length > 1 ? parts[1].trim() : args.get("width-mult");
            double parsed;
            try {
                parsed = Double.parseDouble(width);
            } catch (NumberFormatException e) {
                throw new UsageException("width of " + arch + " must be a number, got '" + width + "'");
            }
            if (!(parsed > 0)) {
                throw new UsageException("width of " + arch + " must be positive, got " + width);
            }
            for (String seed : args.get("seeds").split(",")) {
                // Checked here, before any cell trains, not when the cell of a malformed seed is reached.
                long number;
                try {
                    number = Long.parseLong(seed.trim());
                } catch (NumberFormatException e) {
                    throw new UsageException("--seeds expects comma-separated integers, got '" + args.get("seeds") + "'");
                }
                for (String mode : args.get("modes").split(",")) {
                    // As a cell records it (01 and +1 are seed 1), so a finished cell is found again.
                    grid.add(new Cell(arch, width, TrainingMode.fromId(mode).id(), String.valueOf(number), recipe));
                }
            }
        }
        int epochs = args.getInt("epochs");
        Long limit = args.has("limit") ? args.getLong("limit") : null;
        String command = "./byot experiment --archs " + args.get("archs") + " --modes " + args.get("modes") + " --seeds "
                + args.get("seeds") + " --epochs " + epochs + " --width-mult " + args.get("width-mult")
                + (limit != null ? " --limit " + limit : "") + recipeFlags(args);
        List<Map<String, Object>> finished = readCells(cells, json);
        int done = 0;
        long started = System.nanoTime();
        int ran = 0;
        for (Cell cell : grid) {
            String name = cell.name(epochs, limit);
            done++;
            if (finished.stream().anyMatch(f -> sameSetting(f, cell, epochs, limit))) {
                err.println("[" + done + "/" + grid.size() + "] " + name + ": already done, skipped");
                continue;
            }
            String eta = ran == 0 ? "" : "  (grid ETA " + StatusLine.duration(
                    (System.nanoTime() - started) / 1e9 / ran * remaining(grid, finished, epochs, limit)) + ")";
            err.println("[" + done + "/" + grid.size() + "] " + name + eta);
            List<String> trainArgs = new ArrayList<>(List.of("--arch", cell.arch(), "--mode", cell.mode(), "--seed", cell.seed(),
                    "--epochs", String.valueOf(epochs), "--width-mult", cell.width(), "--out", cells.resolve(name + ".byot").toString()));
            args.optional("data").ifPresent(d -> trainArgs.addAll(List.of("--data", d)));
            trainArgs.addAll(recipeArgs(cell.recipe()));
            Map<String, Object> teacher = null;
            if (cell.mode().equals(TrainingMode.KD.id())) {
                Cell baseline = cell.withMode(TrainingMode.BASELINE);
                teacher = finished.stream().filter(f -> sameSetting(f, baseline, epochs, limit)).findFirst()
                        .orElseThrow(() -> new UsageException("a kd cell's teacher is the baseline cell of its setting, and "
                                + baseline.name(epochs, limit) + " has not run: list baseline before kd in --modes"));
                trainArgs.addAll(List.of("--teacher", String.valueOf(teacher.get("model"))));
            }
            if (limit != null) {
                trainArgs.addAll(List.of("--limit", String.valueOf(limit)));
            }
            TrainCommand train = new TrainCommand(err, err);
            Map<String, Object> fields = new java.util.LinkedHashMap<>(train.train(train.options().parse(trainArgs.toArray(String[]::new))));
            fields.put("limit", limit);
            if (teacher != null) {
                fields.put("teacherModel", teacher.get("model"));
                fields.put("teacherTrainSeconds", teacher.get("trainSeconds"));
            }
            AtomicFile.write(cells.resolve(name + ".json"), (Json.line(fields) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            finished.add(fields);
            ran++;
            writeTable(args, cells, json, command);
        }
        writeTable(args, cells, json, command);
        out.println(Json.line(Map.of("cells", grid.size(), "table", args.get("table"))));
        return 0;
    }

    /**
     * A finished cell counts for a grid cell when every setting agrees; cells written before the file name
     * carried epochs and limit (and before they recorded the limit) are matched by their contents.
     */
    static boolean sameSetting(Map<String, Object> f, Cell cell, int epochs, Long limit) {
        Object fLimit = f.get("limit");
        boolean limitAgrees = limit == null ? fLimit == null : fLimit instanceof Number n && n.longValue() == limit;
        // A limit at or above the data set's size trains on all of it, as no limit does: the same cell. A cell's
        // trainImages is the size it trained on, so a limit above it was capped (one equal to it may not have been).
        if (!limitAgrees && f.get("trainImages") instanceof Number trained) {
            long whole = trained.longValue();
            limitAgrees = (limit == null || limit >= whole) && (fLimit == null || fLimit instanceof Number n && n.longValue() > whole);
        }
        return cell.arch().equals(f.get("arch")) && cell.mode().equals(f.get("mode"))
                && f.get("seed") instanceof Number seed && String.valueOf(seed.longValue()).equals(cell.seed())
                && f.get("widthMult") instanceof Number w && w.doubleValue() == Double.parseDouble(cell.width())
                && f.get("epochs") instanceof Number e && e.intValue() == epochs && limitAgrees
                && Recipe.ofCell(f).forMode(TrainingMode.fromId(cell.mode())).equals(cell.recipe());
    }

    /** The train flags of a recipe: all of them, so a cell never depends on train's defaults changing. */
    private static List<String> recipeArgs(Recipe r) {
        return List.of("--" + DistillationOptions.ALPHA.flag(), String.valueOf(r.alpha()),
                "--" + DistillationOptions.LAMBDA.flag(), String.valueOf(r.lambda()),
                "--" + DistillationOptions.TEMPERATURE.flag(), String.valueOf(r.temperature()),
                "--" + DistillationOptions.WARMUP_STEPS.flag(), String.valueOf(r.warmupSteps()),
                "--" + DistillationOptions.TEACHER.flag(), r.teacher());
    }

    /** The recipe flags given on the command line, to print with the table. */
    private static String recipeFlags(Parsed args) {
        StringBuilder flags = new StringBuilder();
        for (JobOption<?> option : List.of(DistillationOptions.ALPHA, DistillationOptions.LAMBDA, DistillationOptions.TEMPERATURE,
                DistillationOptions.WARMUP_STEPS, DistillationOptions.TEACHER)) {
            if (args.given(option.flag())) {
                flags.append(" --").append(option.flag()).append(' ').append(args.get(option.flag()));
            }
        }
        return flags.toString();
    }

    private static long remaining(List<Cell> grid, List<Map<String, Object>> finished, int epochs, Long limit) {
        return grid.stream().filter(c -> finished.stream().noneMatch(f -> sameSetting(f, c, epochs, limit))).count();
    }

    private static List<Map<String, Object>> readCells(Path cells, ObjectMapper json) throws java.io.IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (var files = Files.list(cells)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                try {
                    rows.add(json.readValue(p.toFile(), new TypeReference<Map<String, Object>>() { }));
                } catch (java.io.IOException e) {
                    throw new UsageException("cell file " + p + " is not a finished cell (" + e.getMessage().lines().findFirst().orElse("")
                            + "); delete it to train that cell again, or move it out of --cells");
                }
            }
        }
        return rows;
    }

    private static void writeTable(Parsed args, Path cells, ObjectMapper json, String command) throws Exception {
        ResultsTable.write(Path.of(args.get("table")), readCells(cells, json), command);
    }
}
