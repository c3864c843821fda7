package byot.stream.tools.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a detached JVM whose stdout and stderr go to a file, so that it outlives the command that started it. */
final class JvmLauncher {
    /** Own session: Ctrl-C or a closed terminal after {@code byot cluster start} must not reach the cluster. */
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private JvmLauncher() {
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * @param args everything after the {@code java} binary
     * @param log  where the process logs ({@code -Dlog.file}); recorded, not passed
     */
    static ClusterProcess start(String name, List<String> args, Map<String, String> env, Path log, Path out) throws IOException {
        Files.createDirectories(out.getParent());
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            command.add(SETSID.toString()); // execs java in place: the PID stays the one we record
        }
        command.add(javaBinary());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        // A fresh file per launch: cluster stop keeps log/, and readers of a .out (the broker's address, submit's
        // error hint) take the first or last matching line, which must be this run's, not a previous start's.
        Files.writeString(out, "# " + String.join(" ", command) + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE);
        Process process = pb.start();
        return ClusterProcess.of(name, process, log.toString(), out.toString());
    }

    /** The last lines of a file, for an error message that points at what went wrong. */
    static String tail(String file, int lines) {
        try {
            List<String> all = Files.readAllLines(Path.of(file));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }
}
