package byot.stream.jobs.operators;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The learner's model as a checkpoint holds it, and the three log lines that tell it: one when the learner
 * snapshots it, one when the checkpoint completes, one when a restore resumes from it. Equal weights digests show
 * that a restore brought back exactly the checkpointed model. The snapshot line is the one a restore can always be
 * matched with: the JobManager completes a checkpoint only after the snapshot, but its notification (and with it the
 * completion line) may never reach a TaskManager killed in between.
 *
 * <p>The line formats are an interface: {@code TaskManagerFailoverITCase} parses them from the TaskManagers' log
 * files. Change them only together with {@link #SNAPSHOT}, {@link #COMPLETED} and {@link #RESTORED}.
 *
 * @param weights {@code ModelFile.weightsChecksum} of the model: weights and running statistics
 */
public record CheckpointedModel(long checkpointId, long version, String weights) {

    /** {@code snapshot for checkpoint <id>: model version <v> weights <sha>} */
    public static final Pattern SNAPSHOT = Pattern.compile("snapshot for checkpoint (\\d+): model version (\\d+) weights ([0-9a-f]{64})");
    /** {@code checkpoint <id> holds model version <v> weights <sha>} */
    public static final Pattern COMPLETED = Pattern.compile("checkpoint (\\d+) holds model version (\\d+) weights ([0-9a-f]{64})");
    /** {@code restored checkpoint <id>: model version <v> weights <sha>} */
    public static final Pattern RESTORED = Pattern.compile("restored checkpoint (\\d+): model version (\\d+) weights ([0-9a-f]{64})");

    public String snapshotLine() {
        return "snapshot for checkpoint " + checkpointId + ": model version " + version + " weights " + weights;
    }

    public String completedLine() {
        return "checkpoint " + checkpointId + " holds model version " + version + " weights " + weights;
    }

    public String restoredLine() {
        return "restored checkpoint " + checkpointId + ": model version " + version + " weights " + weights;
    }

    /** The model of a {@link #snapshotLine()} anywhere in {@code logLine}. */
    public static Optional<CheckpointedModel> parseSnapshot(String logLine) {
        return parse(SNAPSHOT.matcher(logLine));
    }

    /** The model of a {@link #completedLine()} anywhere in {@code logLine}. */
    public static Optional<CheckpointedModel> parseCompleted(String logLine) {
        return parse(COMPLETED.matcher(logLine));
    }

    /** The model of a {@link #restoredLine()} anywhere in {@code logLine}. */
    public static Optional<CheckpointedModel> parseRestored(String logLine) {
        return parse(RESTORED.matcher(logLine));
    }

    private static Optional<CheckpointedModel> parse(Matcher m) {
        return m.find()
                ? Optional.of(new CheckpointedModel(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), m.group(3)))
                : Optional.empty();
    }
}
