package byot.stream.tools.train;

import byot.stream.tools.cli.Command;
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
 * width, mode, seed, epochs and limit exists); after every cell the results table is rewritten.
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
        return new Options()
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

    /** One cell of the grid. */
    record Cell(String arch, String width, String mode, String seed) {}

    @Override
    public int run(Parsed args) throws Exception {
        Path cells = Path.of(args.get("cells"));
        Files.createDirectories(cells);
        ObjectMapper json = new ObjectMapper();
        List<Cell> grid = new ArrayList<>();
        for (String entry : args.get("archs").split(",")) {
            String[] parts = entry.trim().split(":");
            String arch = Architecture.fromId(parts[0]).id();
            String width = parts.length > 1 ? parts[1].trim() : args.get("width-mult");
            double parsed = Double.parseDouble(width);
            if (!(parsed > 0)) {
                throw new UsageException("width of " + arch + " must be positive, got " + width);
            }
            for (String seed : args.get("seeds").split(",")) {
                for (String mode : args.get("modes").split(",")) {
                    grid.add(new Cell(arch, width, TrainingMode.fromId(mode).id(), seed.trim()));
                }
            }
        }
        int epochs = args.getInt("epochs");
        Long limit = args.has("limit") ? args.getLong("limit") : null;
        String command = "./byot experiment --archs " + args.get("archs") + " --modes " + args.get("modes") + " --seeds "
                + args.get("seeds") + " --epochs " + epochs + " --width-mult " + args.get("width-mult")
                + (limit != null ? " --limit " + limit : "");
        List<Map<String, Object>> finished = readCells(cells, json);
        int done = 0;
        long started = System.nanoTime();
        int ran = 0;
        for (Cell cell : grid) {
            String name = cell.arch() + "-x" + cell.width() + "-" + cell.mode() + "-s" + cell.seed() + "-e" + epochs
                    + (limit != null ? "-n" + limit : "");
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
            if (limit != null) {
                trainArgs.addAll(List.of("--limit", String.valueOf(limit)));
            }
            TrainCommand train = new TrainCommand(err, err);
            Map<String, Object> fields = new java.util.LinkedHashMap<>(train.train(train.options().parse(trainArgs.toArray(String[]::new))));
            fields.put("limit", limit);
            Path tmp = cells.resolve(name + ".json.tmp");
            Files.writeString(tmp, Json.line(fields) + "\n");
            Files.move(tmp, cells.resolve(name + ".json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
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
        return cell.arch().equals(f.get("arch")) && cell.mode().equals(f.get("mode"))
                && f.get("seed") instanceof Number seed && String.valueOf(seed.longValue()).equals(cell.seed())
                && f.get("widthMult") instanceof Number w && w.doubleValue() == Double.parseDouble(cell.width())
                && f.get("epochs") instanceof Number e && e.intValue() == epochs && limitAgrees;
    }

    private static long remaining(List<Cell> grid, List<Map<String, Object>> finished, int epochs, Long limit) {
        return grid.stream().filter(c -> finished.stream().noneMatch(f -> sameSetting(f, c, epochs, limit))).count();
    }

    private static List<Map<String, Object>> readCells(Path cells, ObjectMapper json) throws java.io.IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (var files = Files.list(cells)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                rows.add(json.readValue(Files.readString(p), new TypeReference<Map<String, Object>>() { }));
            }
        }
        return rows;
    }

    private static void writeTable(Parsed args, Path cells, ObjectMapper json, String command) throws Exception {
        ResultsTable.write(Path.of(args.get("table")), readCells(cells, json), command);
    }
}
