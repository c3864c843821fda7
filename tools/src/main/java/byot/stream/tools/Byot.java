package byot.stream.tools;

import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.UsageException;
import byot.stream.tools.cli.Command;
import byot.stream.tools.cli.Nd4jTraceFilter;
import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The {@code byot} launcher: finds the subcommand, prints help, and turns user errors into one line. */
public final class Byot {

    static List<Command> commands() {
        return List.of(
                new byot.stream.tools.demo.DemoCommand(),
                new byot.stream.tools.train.TrainCommand(),
                new byot.stream.tools.train.EvalCommand(),
                new byot.stream.tools.train.SignCommand(),
                new byot.stream.tools.rollback.RollbackCommand(),
                new byot.stream.tools.train.ExperimentCommand(),
                new byot.stream.tools.cli.RunCommand("run"),
                new byot.stream.tools.cli.RunCommand("adapt"),
                new byot.stream.tools.cli.KafkaCommand(),
                new byot.stream.tools.cli.TopicsCreateCommand(),
                new byot.stream.tools.cli.ProduceCommand(),
                new byot.stream.tools.monitor.MonitorCommand(),
                new byot.stream.tools.bench.BenchKafkaCommand(),
                new byot.stream.tools.bench.BenchModelCommand(),
                new byot.stream.tools.bench.BenchMemoryCommand(),
                new byot.stream.tools.bench.BenchCalibrationCommand(),
                new byot.stream.tools.bench.BenchPipelineCommand(),
                new byot.stream.tools.bench.soak.SoakCommand(),
                new byot.stream.tools.cluster.ClusterStartCommand(), new byot.stream.tools.cluster.ClusterStatusCommand(),
                new byot.stream.tools.cluster.ClusterStopCommand(), new byot.stream.tools.cluster.ClusterCancelCommand(),
                new byot.stream.tools.cluster.ClusterStopJobCommand(),
                new byot.stream.tools.cluster.SubmitCommand()
        );
    }

    public static void main(String[] args) {
        System.setOut(new Nd4jTraceFilter(System.out)); // the process is ours: keep ND4J's trace off the commands' output
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<Command> commands = commands();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(overview(commands));
            return args.length == 0 ? 2 : 0;
        }
        Optional<Command> match = find(commands, args);
        List<Command> group = commands.stream().filter(c -> c.name().startsWith(args[0] + " ")).toList();
        if (match.isEmpty() && !group.isEmpty() && (args.length == 1 || Options.asksForHelp(new String[] {args[1]}))) {
            // A group's first word alone (byot cluster, byot bench --help): its subcommands, as byot --help lists all.
            out.print("Usage: byot " + args[0] + " <subcommand> [--option value]...   (byot " + args[0]
                    + " <subcommand> --help for its options)\n\nSubcommands:\n" + list(group));
            return args.length == 1 ? 2 : 0;
        }
        if (match.isEmpty()) {
            err.println("byot: unknown command '" + String.join(" ", Arrays.copyOf(args, Math.min(2, args.length)))
                    + "' (see byot " + (group.isEmpty() ? "" : args[0] + " ") + "--help)");
            return 2;
        }
        Command command = match.get();
        String[] rest = Arrays.copyOfRange(args, command.name().split(" ").length, args.length);
        if (Options.asksForHelp(rest)) {
            out.print(command.options().usage(command.name(), command.summary()));
            return 0;
        }
        try {
            return command.run(command.options().parse(rest));
        } catch (UsageException | IllegalArgumentException e) {
            err.println("byot " + command.name() + ": " + e.getMessage());
            return 2;
        } catch (FileNotFoundException | NoSuchFileException e) {
            err.println("byot " + command.name() + ": file not found: " + e.getMessage());
            return 1;
        } catch (java.io.IOException e) {
            // Unreadable or corrupt inputs (model files, data sets) carry a message meant for the user.
            err.println("byot " + command.name() + ": " + e.getMessage());
            return 1;
        } catch (Exception | Error e) {
            // Errors too (JavaCPP's OutOfMemoryError for an off-heap cap, a native library that fails to link):
            // the user gets one line, the trace only with BYOT_DEBUG.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            // A failed Flink job says only "Job execution failed"; the root cause is what the user needs.
            err.println("byot " + command.name() + ": failed: " + e.getMessage() + (root != e ? " (cause: " + root + ")" : ""));
            if (System.getenv("BYOT_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    private static Optional<Command> find(List<Command> commands, String[] args) {
        String two = args.length >= 2 ? args[0] + " " + args[1] : null;
        return commands.stream().filter(c -> c.name().equals(two)).findFirst()
                .or(() -> commands.stream().filter(c -> c.name().equals(args[0])).findFirst());
    }

    private static String overview(List<Command> commands) {
        return "byot-stream: self-distilled multi-exit CNNs, fine-tuned on Flink from Kafka.\n\n"
                + "Usage: byot <command> [--option value]...   (byot <command> --help for its options)\n\nCommands:\n"
                + list(commands);
    }

    private static String list(List<Command> commands) {
        StringBuilder sb = new StringBuilder();
        int width = commands.stream().mapToInt(c -> c.name().length()).max().orElse(0) + 2;
        for (Command c : commands) {
            sb.append(String.format("  %-" + width + "s %s%n", c.name(), c.summary()));
        }
        return sb.toString();
    }
}
