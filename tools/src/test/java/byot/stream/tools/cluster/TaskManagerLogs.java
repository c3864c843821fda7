package byot.stream.tools.cluster;

import byot.stream.jobs.operators.CheckpointedModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The learner's checkpoint lines ({@link CheckpointedModel}) from every TaskManager's log in a cluster directory,
 * killed ones included: SIGKILL ends a process, not the lines it already wrote.
 */
final class TaskManagerLogs {
    /** The layout's {@code %d{yyyy-MM-dd HH:mm:ss,SSS}} (FlinkConfigFile), in this machine's zone like the processes. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

    /** One parsed line: when and in which TaskManager it was logged. */
    record Line(Instant time, String taskManager, CheckpointedModel model) {}

    private final Path logDir;

    TaskManagerLogs(Path clusterDir) {
        this.logDir = clusterDir.resolve("log");
    }

    /** {@code snapshot for checkpoint <id>: ...} lines, by time. */
    List<Line> snapshots() throws IOException {
        return scan(CheckpointedModel::parseSnapshot);
    }

    /** {@code checkpoint <id> holds ...} lines, by time. */
    List<Line> completed() throws IOException {
        return scan(CheckpointedModel::parseCompleted);
    }

    /** {@code restored checkpoint <id>: ...} lines, by time. */
    List<Line> restored() throws IOException {
        return scan(CheckpointedModel::parseRestored);
    }

    /**
     * Whether a learner logged, after {@code after}, that the publish gate refused candidate {@code version}
     * ({@code FineTuneOperator.accept}'s warning).
     */
    boolean gateRefused(long version, Instant after) throws IOException {
        String candidate = "publish gate: candidate version " + version + " ";
        for (List<String> lines : linesByTaskManager().values()) {
            for (String line : lines) {
                if (line.contains(candidate) && line.contains("refused") && time(line).isAfter(after)) {
                    return true;
                }
            }
        }
        return false;
    }

    private List<Line> scan(Function<String, Optional<CheckpointedModel>> parser) throws IOException {
        List<Line> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> log : linesByTaskManager().entrySet()) {
            for (String line : log.getValue()) {
                parser.apply(line).ifPresent(m -> out.add(new Line(time(line), log.getKey(), m)));
            }
        }
        out.sort(Comparator.comparing(Line::time).thenComparing(l -> l.model().checkpointId()));
        return out;
    }

    /** Every TaskManager's log lines, by TaskManager name ({@code taskmanager-<n>}). */
    private Map<String, List<String>> linesByTaskManager() throws IOException {
        Map<String, List<String>> out = new TreeMap<>();
        try (var files = Files.list(logDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("taskmanager-\\d+\\.log")).toList()) {
                out.put(f.getFileName().toString().replace(".log", ""), Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static Instant time(String line) {
        return LocalDateTime.parse(line.substring(0, 23), TIME).atZone(ZoneId.systemDefault()).toInstant();
    }
}
