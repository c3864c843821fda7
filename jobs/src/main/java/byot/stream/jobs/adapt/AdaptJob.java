package byot.stream.jobs.adapt;

import byot.stream.connectors.signing.DetachedSignature;
import byot.stream.connectors.signing.ModelKeyFile;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.kafka.LatestModelReader;
import byot.stream.jobs.config.ModelOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import byot.stream.model.spec.ModelSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Duration;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
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

    /**
     * Entry point of the job jar under {@code flink run} (and of a Kubernetes {@code FlinkDeployment}): the flags of
     * {@code byot run}, declared in {@link AdaptOptions}. No System.exit, which would take the JobManager down in
     * application mode; a bad flag fails the submission with its one-line reason.
     */
    public static void main(String[] args) throws Exception {
        Options options = AdaptOptions.declare();
        if (Options.asksForHelp(args)) {
            System.out.print(options.usage("byot-adapt (flink run -c " + AdaptJob.class.getName() + ")", SUMMARY
                    + ". Every option can also be set in the cluster's Flink configuration as byot.<option>; a flag given wins."));
            return;
        }
        JobExecutionResult result = run(options.parse(args), "byot-adapt", System.err);
        report(result, System.err);
    }

    /** One line on what the job does, for {@code --help}. */
    public static final String SUMMARY = "Run the Kafka -> BYOT fine-tuning + early-exit inference -> Kafka pipeline on Flink";

    /**
     * Builds the pipeline from parsed {@link AdaptOptions} and executes it in the Flink environment this runs in: the
     * cluster under {@code flink run}, a MiniCluster otherwise. Options the command line leaves out are read from that
     * environment's configuration ({@code byot.<flag>}), then take their declared defaults. Progress goes to {@code log}.
     */
    public static JobExecutionResult run(Parsed flags, String name, PrintStream log) throws Exception {
        // The configuration of the environment this runs in: the cluster's under flink run, empty in a MiniCluster.
        ReadableConfig cluster = StreamExecutionEnvironment.getExecutionEnvironment().getConfiguration();
        return run(flags.configuration(cluster), name, log);
    }

    /** As above, from the job's options in {@code config} (a cluster's configuration with the flags given on top). */
    public static JobExecutionResult run(ReadableConfig config, String name, PrintStream log) throws Exception {
        byte[] configured = initialModel(config);
        ModelSpec spec = ModelFile.spec(configured);
        JobSettings settings = AdaptOptions.settings(config);
        PipelineConfig pipeline = AdaptOptions.pipeline(config, spec.sections());
        StartSettings start = AdaptOptions.start(config);
        CheckpointDirectory checkpoints = CheckpointDirectory.of(settings.checkpointDir());
        checkpoints.ensurePrivate().ifPresent(warning -> log.println(name + ": WARNING: " + warning));
        StreamExecutionEnvironment env = environment(settings, start);
        StartingModel initial = startingModel(configured, AdaptOptions.INITIAL_MODEL.optional(config).isPresent(), settings, start, env);
        log.println(name + ": " + initial.note());
        AdaptPipeline.build(env, KafkaPipelineEndpoints.of(settings, spec), pipeline, initial.model());
        log.println("submitting byot-adapt: " + spec.summary() + ", images from " + settings.topics().images()
                + " at " + settings.client().bootstrapServers());
        log.println(name + ": checkpoints go to " + checkpoints.uri() + "/<job id>/chk-<n> and are kept when"
                + " the job is cancelled; resume with --from-savepoint <that chk-n directory> (or a savepoint of"
                + " byot cluster stop-job)");
        return env.execute("byot-adapt");
    }

    /** Detached submissions (flink run -d) return before the job ends and have no runtime to report. */
    public static void report(JobExecutionResult result, PrintStream log) {
        if (result.isJobExecutionResult()) {
            log.println("job finished after " + result.getNetRuntime() + " ms");
        } else {
            log.println("job submitted: " + result.getJobID());
        }
    }

    /**
     * The model the job starts from: {@code --initial-model}, else a fresh one from {@code --arch}. With
     * {@code --model-key} the file must carry a signature that verifies ({@code FILE.sig}), checked before the file
     * is decoded.
     */
    public static byte[] initialModel(ReadableConfig c) throws IOException {
        Optional<String> initial = AdaptOptions.INITIAL_MODEL.optional(c);
        if (initial.isPresent()) {
            Path file = Path.of(initial.get());
            Optional<ModelKeyFile> key = AdaptOptions.modelKey(c);
            MultiExitModel model = key.isPresent() ? verified(file, key.get()) : ModelFile.load(file);
            // Serving or fine-tuning NaN weights would answer nothing sensible; say so before anything starts.
            Optional<String> nonFinite = model.parameters().firstNonFinite();
            if (nonFinite.isPresent()) {
                throw new UsageException("--initial-model " + file + ": tensor " + nonFinite.get()
                        + " holds NaN or infinite values");
            }
            return publishable(ModelFile.toBytes(model, false), "--initial-model " + file);
        }
        ModelSpec spec = ModelOptions.fashionMnistSpec(c);
        return publishable(ModelFile.toBytes(MultiExitModel.create(spec, ModelOptions.SEED.get(c)), false), spec.summary());
    }

    /** Room for what a publication adds to the model file's header (calibrated thresholds, input alignment). */
    private static final int PUBLICATION_HEADER_MARGIN = 1 << 20;

    /**
     * Refuses, before anything starts, a model too large for a models record: its first publication would fail in the
     * sink's serializer, the job would restart, and the restored learner would publish it again, for ever.
     */
    private static byte[] publishable(byte[] model, String what) {
        if (model.length > ModelUpdateCodec.DEFAULT_MAX_PAYLOAD_BYTES - PUBLICATION_HEADER_MARGIN) {
            throw new UsageException(what + " is " + model.length / (1 << 20) + " MiB; a version on the models topic carries"
                    + " at most " + (ModelUpdateCodec.DEFAULT_MAX_PAYLOAD_BYTES - PUBLICATION_HEADER_MARGIN) / (1 << 20)
                    + " MiB of model: choose a smaller --width-mult or backbone");
        }
        return model;
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
            StartingModel restoring = new StartingModel(configured, "restoring from "
                    + env.getConfiguration().get(StateRecoveryOptions.SAVEPOINT_PATH)
                    + ": the model, its version and the replay buffer come from there");
            // A signed topic's newest model reaches the learner too, which takes it when it is newer than the savepoint's:
            // how a byot rollback published while the job was stopped gets into service (docs/reliability.md).
            return s.modelKey().isEmpty() ? restoring : StartingModel.forRestore(restoring, newestOnTopic(s));
        }
        if (!start.continueModelsTopic()) {
            return new StartingModel(configured, "--fresh: starting a new version line at version "
                    + ModelFile.fromBytes(configured).version() + "; consumers serving a higher version ignore it");
        }
        return StartingModel.continueLine(configured, chosenByUser, newestOnTopic(s), s.modelKey().isPresent());
    }

    private static LatestModelReader.Result newestOnTopic(JobSettings s) throws IOException {
        ModelUpdateCodec codec = ModelUpdateCodec.forKey(s.modelKey());
        var reader = new LatestModelReader(s.client(), codec, MODELS_TOPIC_TIMEOUT);
        try {
            return reader.read(s.topics().models());
        } catch (KafkaException e) {
            // Starting anyway would step the version line back; the user decides (--fresh).
            throw new IOException("could not read the newest model on " + s.topics().models() + " at "
                    + s.client().bootstrapServers() + " (" + e.getMessage() + "); a fresh start continues its version line,"
                    + " --fresh starts a new one", e);
        }
    }

    /** Whether the job restores a savepoint: --from-savepoint, or a savepoint path already in its configuration (flink run -s). */
    public static boolean restoresState(StreamExecutionEnvironment env) {
        return env.getConfiguration().getOptional(StateRecoveryOptions.SAVEPOINT_PATH).isPresent();
    }

    /** An environment with file-system checkpoints: multi-MB model state exceeds the in-memory storage limit. */
    public static StreamExecutionEnvironment environment(JobSettings s) {
        return environment(s, StartSettings.fresh());
    }

    /** Time's worth of data the network buffers between two tasks hold in a local cluster (Flink's default: 1 s). */
    static final Duration IN_FLIGHT = Duration.ofMillis(100);

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
        // Network buffers sized to about IN_FLIGHT of data between tasks (buffer debloating). With Flink's fixed 32 KB
        // buffers a learner busy with a step had hundreds of events queued in front of it while inference, reading the
        // same source, ran ahead: in the demo inference answered 600 inverted events in one burst before the learner
        // saw the first of them, so the map back (or anything else learned from the shift) came that much too late.
        // TaskManager options: they shape a MiniCluster (byot run, demo, benches); a cluster takes its own (docs/deploy.md).
        conf.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
        conf.set(TaskManagerOptions.BUFFER_DEBLOAT_TARGET, IN_FLIGHT);
        return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }
}
