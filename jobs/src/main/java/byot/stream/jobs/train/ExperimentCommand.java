package byot.stream.jobs.train;

import byot.stream.jobs.cli.Command;
import byot.stream.jobs.cli.Options;
import byot.stream.jobs.cli.Parsed;
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
 * file, so an interrupted grid resumes where it stopped; after every cell the results table is rewritten.
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
                .add("archs", "resnet18", "Comma-separated backbones")
                .add("modes", "baseline,deepsup,byot", "Comma-separated training modes")
                .add("seeds", "0,1", "Comma-separated seeds")
                .add("epochs", "3", "Epochs per cell")
                .add("width-mult", "0.25", "Width multiplier of every backbone")
                .add("data", null, "Directory with the Fashion-MNIST IDX files")
                .add("cells", "out/experiments", "Directory of finished cells (<arch>-x<width>-<mode>-s<seed>.json) and models")
                .add("table", "docs/results.md", "Markdown table to (re)write")
                .add("limit", null, "Train on only the first N images (smoke runs)");
    }

    @Override
    public int run(Parsed args) throws Exception {
        Path cells = Path.of(args.get("cells"));
        Files.createDirectories(cells);
        ObjectMapper json = new ObjectMapper();
        String width = args.get("width-mult");
        List<String[]> grid = new ArrayList<>();
        for (String arch : args.get("archs").split(",")) {
            for (String seed : args.get("seeds").split(",")) {
                for (String mode : args.get("modes").split(",")) {
                    grid.add(new String[] {arch.trim(), mode.trim(), seed.trim()});
                }
            }
        }
        String command = "./byot experiment --archs " + args.get("archs") + " --modes " + args.get("modes") + " --seeds "
                + args.get("seeds") + " --epochs " + args.get("epochs") + " --width-mult " + width;
        int done = 0;
        for (String[] cell : grid) {
            String name = cell[0] + "-x" + width + "-" + cell[1] + "-s" + cell[2];
            Path result = cells.resolve(name + ".json");
            if (Files.exists(result)) {
                err.println("[" + (++done) + "/" + grid.size() + "] " + name + ": already done, skipped");
                continue;
            }
            err.println("[" + (done + 1) + "/" + grid.size() + "] " + name);
            List<String> trainArgs = new ArrayList<>(List.of("--arch", cell[0], "--mode", cell[1], "--seed", cell[2],
                    "--epochs", args.get("epochs"), "--width-mult", width, "--out", cells.resolve(name + ".byot").toString()));
            args.optional("data").ifPresent(d -> trainArgs.addAll(List.of("--data", d)));
            args.optional("limit").ifPresent(l -> trainArgs.addAll(List.of("--limit", l)));
            TrainCommand train = new TrainCommand(err, err);
            Map<String, Object> fields = train.train(train.options().parse(trainArgs.toArray(String[]::new)));
            Path tmp = cells.resolve(name + ".json.tmp");
            Files.writeString(tmp, Json.line(fields) + "\n");
            Files.move(tmp, result, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            done++;
            writeTable(args, cells, json, command);
        }
        writeTable(args, cells, json, command);
        out.println(Json.line(Map.of("cells", grid.size(), "table", args.get("table"))));
        return 0;
    }

    private static void writeTable(Parsed args, Path cells, ObjectMapper json, String command) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (var files = Files.list(cells)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                rows.add(json.readValue(Files.readString(p), new TypeReference<Map<String, Object>>() { }));
            }
        }
        ResultsTable.write(Path.of(args.get("table")), rows, command);
    }
}
