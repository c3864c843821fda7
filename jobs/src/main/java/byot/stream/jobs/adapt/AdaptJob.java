package byot.stream.jobs.adapt;

import byot.stream.connectors.signing.DetachedSignature;
import byot.stream.connectors.signing.ModelKeyFile;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.kafka.LatestModelReader;
import byot.stream.jobs.cli.Parsed;
import byot.stream.jobs.cli.UsageException;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.KafkaException;

/**
 * The pipeline as a Flink program: {@code main} is the entry point of the job jar under {@code flink run},
 * and {@code byot run} calls the same code in a local MiniCluster.
 */
public final class AdaptJob {

    /** How long a start waits for the brokers to show the models topic's tail. */
    static final Duration MODELS_TOPIC_TIMEOUT = Duration.ofSeconds(30);

    private AdaptJob() {
    }

    /** Entry point under {@code flink run}: no System.exit, which would take the JobManager down in application mode. */
    public static void main(String[] args) throws Exception {
        int code = byot.stream.jobs.cli.Byot.run(prepend("run", args), System.out, System.err);
        if (code != 0) {
            throw new IllegalStateException("byot run exited with code " + code + " (see the message above)");
        }
    }

    /**
     * The model the job starts from: {@code --initial-model}, else a fresh one from {@code --arch}. With
     * {@code --model-key} the file must carry a signature that verifies ({@code FILE.sig}), checked before the file
     * is decoded.
     */
    public static byte[] initialModel(Parsed a) throws IOException {
        if (a.has("initial-model")) {
            Path file = Path.of(a.get("initial-model"));
            Optional<ModelKeyFile> key = AdaptOptions.modelKey(a);
            MultiExitModel model = key.isPresent() ? verified(file, key.get()) : ModelFile.load(file);
            // Serving or fine-tuning NaN weights would answer nothing sensible; say so before anything starts.
            if (model.parameters().firstNonFinite().isPresent()) {
                throw new UsageException("--initial-model " + file + ": tensor "
                        + model.parameters().firstNonFinite().get() + " holds NaN or infinite values");
            }
            return ModelFile.toBytes(model, false);
        }
        ModelSpec spec = ModelSpec.fashionMnist(Architecture.fromId(a.get("arch")), a.getDouble("width-mult"));
        return ModelFile.toBytes(MultiExitModel.create(spec, a.getLong("seed")), false);
    }

    /** Decodes the very bytes whose signature verified, not a second read of the file. */
    private static MultiExitModel verified(Path file, ModelKeyFile key) throws IOException {
        byte[] bytes = DetachedSignature.readVerified(file, key.read());
        try {
            return ModelFile.fromBytes(bytes);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The model the job starts from: on a fresh start that continues the version line, the newest model on the models
     * topic ({@link StartingModel}); otherwise the configured one, which a restore from a savepoint replaces anyway.
     */
    public static StartingModel startingModel(byte[] configured, boolean chosenByUser, JobSettings s, StartSettings start,
                                              StreamExecutionEnvironment env) throws ModelFormatException, IOException {
        if (restoresState(env)) {
            return new StartingModel(configured, "restoring from " + env.getConfiguration().get(StateRecoveryOptions.SAVEPOINT_PATH)
                    + ": the model, its version and the replay buffer come from there");
        }
        if (!start.continueModelsTopic()) {
            return new StartingModel(configured, "--fresh: starting a new version line at version "
                    + ModelFile.fromBytes(configured).version() + "; consumers serving a higher version ignore it");
        }
        ModelUpdateCodec codec = s.modelKey().map(ModelUpdateCodec::signedWith).orElseGet(ModelUpdateCodec::new);
        var reader = new LatestModelReader(s.client(), codec, MODELS_TOPIC_TIMEOUT);
        LatestModelReader.Result newest;
        try {
            newest = reader.read(s.topics().models());
        } catch (KafkaException e) {
            // Starting anyway would step the version line back; the user decides (--fresh).
            throw new IOException("could not read the newest model on " + s.topics().models() + " at "
                    + s.client().bootstrapServers() + " (" + e.getMessage() + "); a fresh start continues its version line,"
                    + " --fresh starts a new one", e);
        }
        return StartingModel.continueLine(configured, chosenByUser, newest);
    }

    /** Whether the job restores a savepoint: --from-savepoint, or a savepoint path already in its configuration (flink run -s). */
    public static boolean restoresState(StreamExecutionEnvironment env) {
        return env.getConfiguration().getOptional(StateRecoveryOptions.SAVEPOINT_PATH).isPresent();
    }

    /** An environment with file-system checkpoints: multi-MB model state exceeds the in-memory storage limit. */
    public static StreamExecutionEnvironment environment(JobSettings s) {
        return environment(s, StartSettings.fresh());
    }

    /**
     * As above, restoring {@code start}'s savepoint if any. Checkpoints are kept when the job is cancelled: the last one
     * is where a cancelled job resumes ({@code --from-savepoint}), and the operator removes old ones.
     */
    public static StreamExecutionEnvironment environment(JobSettings s, StartSettings start) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        start.savepoint().ifPresent(path -> conf.set(StateRecoveryOptions.SAVEPOINT_PATH, path));
        if (start.allowNonRestoredState()) {
            conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        }
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, s.checkpointInterval());
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, s.checkpointDir());
        conf.set(org.apache.flink.configuration.ExecutionOptions.BUFFER_TIMEOUT, s.bufferTimeout());
        return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
