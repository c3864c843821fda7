package byot.stream.jobs.adapt;

import static byot.stream.jobs.config.JobOption.choice;
import static byot.stream.jobs.config.JobOption.integer;
import static byot.stream.jobs.config.JobOption.longInteger;
import static byot.stream.jobs.config.JobOption.number;
import static byot.stream.jobs.config.JobOption.text;
import static byot.stream.jobs.config.JobOption.toggle;

import byot.stream.connectors.kafka.KafkaEndpoints;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.signing.ModelKey;
import byot.stream.connectors.signing.ModelKeyFile;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.jobs.config.DistillationOptions;
import byot.stream.jobs.config.JobOption;
import byot.stream.jobs.config.ModelOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.jobs.operators.AdaptConfig;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.jobs.operators.LearnerBudget;
import byot.stream.jobs.operators.drift.DetectorKind;
import byot.stream.jobs.operators.drift.DriftConfig;
import byot.stream.jobs.operators.drift.InputAligner;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.loss.LogitAdjustment;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.loss.UnlabelledDistillation;
import byot.stream.model.train.SgdConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * The job's options, each declared once as a {@link JobOption}: a Flink {@code ConfigOption} {@code byot.<flag>}
 * (so a cluster's configuration or a {@code FlinkDeployment} can set it) that is also the flag {@code --<flag>} of
 * {@code byot run} and of the job jar's entry point. The readers below turn a configuration into the pipeline's
 * records; the records check what only makes sense together (e.g. train-every ≤ train-batch).
 */
public final class AdaptOptions {

    // Kafka: topics and the source's consumer group (brokers and client settings: ClientOptions).
    public static final JobOption<String> IMAGES_TOPIC = text("images-topic", "images", "Topic of image events");
    public static final JobOption<String> PREDICTIONS_TOPIC = text("predictions-topic", "predictions", "Topic of predictions (JSON)");
    public static final JobOption<String> MODELS_TOPIC = text("models-topic", "models", "Topic of published model versions");
    public static final JobOption<String> METRICS_TOPIC = text("metrics-topic", "metrics", "Topic of metrics windows (JSON)");
    public static final JobOption<String> DEAD_LETTER_TOPIC = text("dead-letter-topic", "dead-letter",
            "Topic of records that could not be processed");
    public static final JobOption<String> GROUP_ID = text("group-id", "byot-adapt",
            "Kafka consumer group of the image source, and the prefix of the sinks' transactional ids: give each job on a"
                    + " broker its own");
    public static final JobOption<String> DELIVERY = choice("delivery", "exactly-once",
            "exactly-once (transactional, visible per checkpoint) or at-least-once (visible at once)",
            "exactly-once", "at-least-once");

    // The model the job starts from.
    public static final JobOption<String> INITIAL_MODEL = text("initial-model", null,
            "Model file from byot train to start from (default: a fresh model)");
    public static final JobOption<String> MODEL_KEY = text("model-key", null, "Key file (at least 32 bytes: "
            + ModelKey.HOW_TO_MAKE_ONE + ") that signs the models topic (HMAC-SHA-256) and that --initial-model's"
            + " FILE.sig must verify under; needed on every TaskManager (default: unsigned)");
    // Its shape and seed when none is given: ModelOptions.

    // Early-exit inference.
    public static final JobOption<String> CRITERION = choice("criterion", "max-softmax", "Early-exit criterion",
            "max-softmax", "entropy");
    public static final JobOption<Double> THRESHOLD = number("threshold", 0.9, "Early-exit threshold at every shallow exit");
    /** Comma-separated as users type lists on a command line; Flink's own list type would want semicolons. */
    public static final JobOption<String> THRESHOLDS = text("thresholds", null,
            "Comma-separated per-exit thresholds (one per shallow exit), overrides --threshold");
    public static final JobOption<Integer> BATCH_SIZE = integer("batch-size", 16, "Inference micro-batch size")
            .require(v -> v > 0, "at least 1");
    public static final JobOption<Long> MAX_WAIT_MS = longInteger("max-wait-ms", 5, "Longest an event waits for its inference micro-batch")
            // An hour is already no serving; beyond about 2^63 ms a timer at now + wait wraps round and fires at once.
            .require(v -> v >= 0 && v <= 3_600_000, "between 0 and 3600000 (an hour)");
    public static final JobOption<Integer> PARALLELISM = integer("parallelism", 0,
            "Inference instances (0: the environment's default parallelism)").require(v -> v >= 0, "at least 0");
    public static final JobOption<Integer> MAX_MODEL_BYTES = integer("max-model-bytes", InferenceConfig.DEFAULT_MAX_MODEL_BYTES,
            "Largest model update inference accepts; bigger ones are refused and counted").require(v -> v > 0, "at least 1");
    public static final JobOption<String> MODEL_SWAP_THREAD = choice("model-swap-thread", "own",
            "Where inference decodes, checks and warms a new model version: own (a thread of its own, so events keep"
                    + " flowing and only the swap itself happens between batches) or task (the task thread, holding up"
                    + " the events in flight at every publication)",
            "own", "task");

    // Fine-tuning (the loss weights: DistillationOptions).
    public static final JobOption<String> MODE = choice("mode", "byot",
            "Fine-tuning loss (kd needs a separate teacher and is offline only: byot train)", "byot", "deepsup", "baseline");
    public static final JobOption<Integer> TRAIN_EVERY = integer("train-every", 16, "Labelled events per fine-tuning step")
            .require(v -> v > 0, "at least 1");
    public static final JobOption<Integer> TRAIN_BATCH = integer("train-batch", 32, "Fine-tuning batch: new events plus replayed ones")
            .require(v -> v > 0, "at least 1");
    public static final JobOption<Integer> REPLAY_SIZE = integer("replay-size", 2000, "Reservoir of past labelled events for replay")
            .require(v -> v >= 0, "at least 0");
    public static final JobOption<Integer> PUBLISH_EVERY_STEPS = integer("publish-every-steps", 10,
            "Publish a new model version after this many steps").require(v -> v > 0, "at least 1");
    public static final JobOption<Double> PUBLISH_EVERY_SECONDS = number("publish-every-seconds", 10,
            "...or after this many seconds with at least one step")
            .require(v -> v > 0 && v <= 7 * 86_400, "above 0 and at most 604800 (a week)");
    public static final JobOption<Double> LR = number("lr", 0.01, "Fine-tuning learning rate").require(v -> v > 0, "above 0");
    public static final JobOption<Double> MOMENTUM = number("momentum", 0.9, "Fine-tuning SGD momentum")
            .require(v -> v >= 0 && v < 1, "in [0, 1)");
    public static final JobOption<Double> WEIGHT_DECAY = number("weight-decay", 5e-4, "Fine-tuning weight decay")
            .require(v -> v >= 0, "at least 0");
    public static final JobOption<Double> LOGIT_ADJUSTMENT = number("logit-adjustment", 1.0,
            "Strength (tau) of the cross-entropy's logit adjustment by each batch's class counts, which keeps a stream"
                    + " whose labels come one class at a time from teaching that class's prior (0: plain cross-entropy)")
            .require(v -> v >= 0, "at least 0");

    // The learner beside inference (docs/architecture.md, "The learner beside inference").
    public static final JobOption<String> LEARNER_SLOT_GROUP = text("learner-slot-group", PipelineConfig.SHARED_SLOTS,
            "Slot-sharing group of the learner: 'default' shares the job's slots; another name gives it slots of its own"
                    + " (a TaskManager of its own: one slot more than --parallelism)");
    public static final JobOption<Integer> LEARNER_THREADS = integer("learner-threads", 1,
            "OpenMP threads of the learner's native ops, on its thread only (0: the process's OMP_NUM_THREADS); inference keeps the process's")
            .require(v -> v >= 0, "at least 0");
    public static final JobOption<Integer> LEARNER_IDLE_THREADS = integer("learner-idle-threads", 0,
            "OpenMP threads of a training step that follows one the machine left undisturbed (0: the process's OMP_NUM_THREADS);"
                    + " a step that was kept off the CPU sends the next back to --learner-threads").require(v -> v >= 0, "at least 0");
    public static final JobOption<Double> LEARNER_TIME_SHARE = number("learner-time-share", 0.5,
            "Largest share of wall-clock time the learner spends in training steps while inference wants the cores (1: no limit;"
                    + " a step its thread ran undisturbed earns no rest); labelled events beyond one training batch meanwhile"
                    + " train by replay only").require(v -> v > 0 && v <= 1, "in (0, 1]");
    public static final JobOption<String> LEARNER_STEP_THREAD = choice("learner-step-thread", "own",
            "Where training steps compute: own (a thread of the learner's, so its task thread takes checkpoint barriers at"
                    + " once and inference, which waits for them, is not held up by a step) or task (the task thread itself)",
            "own", "task");
    public static final JobOption<Integer> LEARNER_NICE = integer("learner-nice", 19,
            "Linux nice value of the learner's step thread (of its task thread too with --learner-step-thread task; 19: inference"
                    + " gets the cores whenever it wants them, the learner what is left; 0: same priority)").require(v -> v >= 0 && v <= 19, "in [0, 19]");

    // Drift: detection on the learner's prequential error, the stronger regime while it is active, exit trust, and
    // early-exit thresholds calibrated online and published with each version (docs/architecture.md, "Drift").
    public static final JobOption<String> DRIFT_DETECTOR = choice("drift-detector", "adwin",
            "Change detector on each exit's prequential error (off: no detection)", "adwin", "page-hinkley", "ddm", "off");
    public static final JobOption<Double> DRIFT_ADWIN_DELTA = number("drift-adwin-delta", 0.002,
            "ADWIN confidence: smaller gives fewer false alarms and later detection").require(v -> v > 0 && v < 1, "in (0, 1)");
    public static final JobOption<Integer> DRIFT_ACTIVE_EVENTS = integer("drift-active-events", 1000,
            "Labelled events after a drift alarm during which drift is active (stronger regime)").require(v -> v >= 0, "at least 0");
    public static final JobOption<Integer> DRIFT_EXTRA_STEPS = integer("drift-extra-steps", 1,
            "Extra fine-tuning steps on replayed events per step while drift is active").require(v -> v >= 0, "at least 0");
    public static final JobOption<Double> DRIFT_RECENT_SHARE = number("drift-recent-share", 0.5,
            "While drift is active, share of replayed events drawn from those since the alarm").require(v -> v >= 0 && v <= 1, "in [0, 1]");
    public static final JobOption<Double> DRIFT_TRUST_DROP = number("drift-trust-drop", 0.05,
            "On an alarm, distrust shallow exits whose recent accuracy fell by more than this").require(v -> v >= 0 && v <= 1, "in [0, 1]");
    public static final JobOption<Integer> DRIFT_TRUST_WINDOW = integer("drift-trust-window", 100,
            "Most recent labelled events whose accuracy decides, on an alarm, which exits fell").require(v -> v > 0, "at least 1");
    public static final JobOption<String> EXIT_CALIBRATION = choice("exit-calibration", "on",
            "Recalibrate early-exit thresholds online and publish them with each version", "on", "off");
    public static final JobOption<Double> EXIT_CALIBRATION_TOLERANCE = number("exit-calibration-tolerance", 0.005,
            "Accuracy early answers may lose against the deepest exit on the same events").require(v -> v >= 0 && v <= 1, "in [0, 1]");
    public static final JobOption<Double> EXIT_CALIBRATION_MARGIN = number("exit-calibration-margin", 2.0,
            "Standard errors of the window's measured accuracy loss the calibration keeps in hand: an exit answers only where"
                    + " the loss plus this margin stays within the tolerance (0: the estimate alone, which overshoots on new events)")
            .require(v -> v >= 0, "at least 0");
    public static final JobOption<Integer> EXIT_CALIBRATION_WINDOW = integer("exit-calibration-window", 500,
            "Labelled events the threshold calibration looks back on").require(v -> v > 0, "at least 1");
    public static final JobOption<Integer> EXIT_CALIBRATION_MIN_EVENTS = integer("exit-calibration-min-events", 200,
            "Labelled events before calibrating, and after an alarm before distrusted exits return").require(v -> v > 0, "at least 1");

    public static final JobOption<String> INPUT_ALIGNMENT = choice("input-alignment", "on",
            "When the images move to another intensity domain (exposure, gain, contrast, polarity), fit the affine map back"
                    + " to the first domain's intensities, choose its sign on labelled events, and publish it with each version",
            "on", "off");
    public static final JobOption<Integer> INPUT_ALIGNMENT_MIN_LABELLED = integer("input-alignment-min-labelled", 8,
            "Labelled events of a new intensity domain that choose its map (at most " + InputAligner.MIN_STRANGERS + ")")
            .require(v -> v >= 1 && v <= InputAligner.MIN_STRANGERS, "in [1, " + InputAligner.MIN_STRANGERS + "]");

    // Learning from unlabelled events (self-distillation) and the gate before publishing.
    public static final JobOption<Double> UNLABELLED_SHARE = number("unlabelled-share", 0.2,
            "Share of the unlabelled events the learner self-distils from (0: off)").require(v -> v >= 0 && v <= 1, "in [0, 1]");
    public static final JobOption<Double> UNLABELLED_WEIGHT = number("unlabelled-weight", 0.5,
            "Weight of the unlabelled self-distillation term (deepest exit teaches the shallow ones)").require(v -> v >= 0, "at least 0");
    public static final JobOption<Double> UNLABELLED_MIN_CONFIDENCE = number("unlabelled-min-confidence", 0.8,
            "Deepest-exit top probability an unlabelled event needs to teach").require(v -> v >= 0 && v <= 1, "in [0, 1]");
    public static final JobOption<Integer> HOLDOUT_EVERY = integer("holdout-every", 10,
            "Every k-th labelled event goes to the publish gate's holdout, not to training (0: no gate)")
            .require(v -> v == 0 || v >= 2, "0 or at least 2");
    public static final JobOption<Integer> HOLDOUT_SIZE = integer("holdout-size", 200,
            "Newest held-out events a candidate version is scored on").require(v -> v > 0, "at least 1");
    public static final JobOption<Double> GATE_MARGIN = number("gate-margin", 0.02,
            "Refuse a candidate whose holdout accuracy (mean over exits) is more than this below the served version's")
            .require(v -> v >= 0 && v <= 1, "in [0, 1]");

    // Metrics, event time, checkpoints, restarts, limits.
    public static final JobOption<Long> METRICS_WINDOW_SECONDS = longInteger("metrics-window-seconds", 5,
            "Event-time window of the metrics topic").require(v -> v > 0 && v <= 86_400, "between 1 and 86400 (a day)");
    public static final JobOption<Long> EVENT_TIME_MAX_PAST_S = longInteger("event-time-max-past-s", 3600,
            "Event times older than arrival minus this are clamped for windows and sink timestamps");
    public static final JobOption<Long> EVENT_TIME_MAX_FUTURE_S = longInteger("event-time-max-future-s", 60,
            "Event times later than arrival plus this are clamped (at most 1800: sinks stamp records with it)");
    public static final JobOption<Long> CHECKPOINT_INTERVAL_MS = longInteger("checkpoint-interval-ms", 2000,
            "Checkpoint interval; exactly-once predictions become visible at each. Unless set (flag or byot.checkpoint-interval-ms),"
                    + " a cluster's execution.checkpointing.interval wins over this default").require(v -> v > 0, "at least 1");
    public static final JobOption<String> CHECKPOINT_DIR = text("checkpoint-dir", "out/checkpoints",
            "Checkpoint storage (file system: model state is several MB); a local one is created owner-only (700)."
                    + " Unless set (flag or byot.checkpoint-dir), a cluster's execution.checkpointing.dir wins over this default");
    public static final JobOption<String> FROM_SAVEPOINT = text("from-savepoint", null,
            "Savepoint or retained checkpoint to resume from: model, version, replay buffer and Kafka offsets");
    public static final JobOption<Boolean> ALLOW_NON_RESTORED_STATE = toggle("allow-non-restored-state",
            "With --from-savepoint: skip savepoint state that no operator of this job claims");
    public static final JobOption<Boolean> FRESH = toggle("fresh",
            "Without --from-savepoint: ignore the newest model on --models-topic and restart its version line");
    public static final JobOption<Long> BUFFER_TIMEOUT_MS = longInteger("buffer-timeout-ms", 5,
            "Longest a record waits in a network buffer between tasks (latency vs. throughput)").require(v -> v >= 0, "at least 0");
    public static final JobOption<Integer> MAX_PIXEL_BYTES = integer("max-pixel-bytes", 1 << 20,
            "Largest image payload accepted; bigger ones go to the dead-letter topic").require(v -> v > 0, "at least 1");
    public static final JobOption<Boolean> BOUNDED = toggle("bounded", "Stop at the image offsets that were latest at start");

    /** Every option of the job, in the order {@code --help} lists them (Kafka client and loss weights included). */
    public static final List<JobOption<?>> ALL = List.of(ClientOptions.BOOTSTRAP_SERVERS, ClientOptions.CLIENT_CONFIG,
            IMAGES_TOPIC, PREDICTIONS_TOPIC, MODELS_TOPIC, METRICS_TOPIC, DEAD_LETTER_TOPIC, GROUP_ID, DELIVERY,
            INITIAL_MODEL, MODEL_KEY, ModelOptions.ARCH, ModelOptions.WIDTH_MULT, ModelOptions.HEADS, ModelOptions.SEED,
            CRITERION, THRESHOLD, THRESHOLDS, BATCH_SIZE, MAX_WAIT_MS, PARALLELISM,
            MODE, TRAIN_EVERY, TRAIN_BATCH, REPLAY_SIZE, PUBLISH_EVERY_STEPS, PUBLISH_EVERY_SECONDS, LR, MOMENTUM, WEIGHT_DECAY,
            LOGIT_ADJUSTMENT, DistillationOptions.ALPHA, DistillationOptions.LAMBDA, DistillationOptions.TEMPERATURE, DistillationOptions.TEACHER,
            LEARNER_SLOT_GROUP, LEARNER_THREADS, LEARNER_IDLE_THREADS, LEARNER_TIME_SHARE, LEARNER_NICE, LEARNER_STEP_THREAD,
            DRIFT_DETECTOR, DRIFT_ADWIN_DELTA, DRIFT_ACTIVE_EVENTS, DRIFT_EXTRA_STEPS, DRIFT_RECENT_SHARE, DRIFT_TRUST_DROP,
            DRIFT_TRUST_WINDOW, EXIT_CALIBRATION, EXIT_CALIBRATION_TOLERANCE, EXIT_CALIBRATION_MARGIN, EXIT_CALIBRATION_WINDOW, EXIT_CALIBRATION_MIN_EVENTS,
            INPUT_ALIGNMENT, INPUT_ALIGNMENT_MIN_LABELLED,
            UNLABELLED_SHARE, UNLABELLED_WEIGHT, UNLABELLED_MIN_CONFIDENCE, HOLDOUT_EVERY, HOLDOUT_SIZE, GATE_MARGIN,
            METRICS_WINDOW_SECONDS, EVENT_TIME_MAX_PAST_S, EVENT_TIME_MAX_FUTURE_S, CHECKPOINT_INTERVAL_MS, CHECKPOINT_DIR,
            FROM_SAVEPOINT, ALLOW_NON_RESTORED_STATE, FRESH, BUFFER_TIMEOUT_MS, MAX_PIXEL_BYTES, MAX_MODEL_BYTES, MODEL_SWAP_THREAD, BOUNDED);

    private AdaptOptions() {
    }

    /** The flags of {@code byot run} and of the job jar's entry point: one per option of {@link #ALL}. */
    public static Options declare() {
        return new Options().addAll(ALL);
    }

    public static JobSettings settings(ReadableConfig c) throws IOException {
        return settings(c, ClientOptions.client(c));
    }

    /** As above, with {@code client} for the Kafka flags (a local run's own broker). */
    public static JobSettings settings(ReadableConfig c, KafkaClientProperties client) throws IOException {
        DeliveryGuarantee delivery = DELIVERY.get(c).toLowerCase(Locale.ROOT).equals("exactly-once")
                ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE;
        JobSettings.Topics topics;
        try {
            topics = new JobSettings.Topics(IMAGES_TOPIC.get(c), PREDICTIONS_TOPIC.get(c), MODELS_TOPIC.get(c),
                    METRICS_TOPIC.get(c), DEAD_LETTER_TOPIC.get(c));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        JobSettings.Checkpoints checkpoints = checkpoints(c);
        Duration transactionTimeout = transactionTimeout(client);
        if (delivery == DeliveryGuarantee.EXACTLY_ONCE && checkpoints.interval().compareTo(transactionTimeout) >= 0) {
            // Every transaction would be aborted by the broker before the checkpoint that commits it: output lost.
            throw new UsageException("exactly-once output commits at each checkpoint, and a checkpoint interval of "
                    + checkpoints.interval().toSeconds() + " s outlasts the sinks' transaction timeout of "
                    + transactionTimeout.toSeconds() + " s: shorten --checkpoint-interval-ms, or raise transaction.timeout.ms"
                    + " in --client-config (and the brokers' transaction.max.timeout.ms)");
        }
        return new JobSettings(new JobSettings.Kafka(client, topics, GROUP_ID.get(c), delivery),
                checkpoints, new JobSettings.Source(BOUNDED.get(c), MAX_PIXEL_BYTES.get(c)),
                Duration.ofMillis(BUFFER_TIMEOUT_MS.get(c)), modelKey(c));
    }

    /** The sinks' transaction timeout: the client file's {@code transaction.timeout.ms} where it sets one. */
    private static Duration transactionTimeout(KafkaClientProperties client) {
        String set = client.toProperties().getProperty(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        try {
            return set == null ? KafkaEndpoints.TRANSACTION_TIMEOUT : Duration.ofMillis(Long.parseLong(set.trim()));
        } catch (NumberFormatException e) {
            return KafkaEndpoints.TRANSACTION_TIMEOUT;   // a config-provider reference: Kafka resolves it, not us
        }
    }

    /**
     * Checkpointing belongs to the cluster: where its configuration (flink-conf, a {@code FlinkDeployment}'s
     * {@code flinkConfiguration}) sets the interval or the directory, that value is used unless the job's own option
     * is set (on the command line or as {@code byot.checkpoint-*}).
     */
    static JobSettings.Checkpoints checkpoints(ReadableConfig c) {
        Duration interval = c.getOptional(CHECKPOINT_INTERVAL_MS.option()).map(Duration::ofMillis)
                .or(() -> c.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .orElse(Duration.ofMillis(CHECKPOINT_INTERVAL_MS.get(c)));
        String dir = c.getOptional(CHECKPOINT_DIR.option())
                .or(() -> c.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .orElse(CHECKPOINT_DIR.get(c));
        return new JobSettings.Checkpoints(interval, CheckpointDirectory.of(dir).uri());
    }

    /**
     * {@code --model-key}, read once here so that a missing or short key fails the submission rather than the
     * first model the job publishes; the job itself carries only the path.
     */
    public static Optional<ModelKeyFile> modelKey(ReadableConfig c) throws IOException {
        Optional<String> path = MODEL_KEY.optional(c);
        if (path.isEmpty()) {
            return Optional.empty();
        }
        ModelKeyFile key = new ModelKeyFile(path.get());
        key.read();
        return Optional.of(key);
    }

    public static StartSettings start(ReadableConfig c) {
        Optional<String> savepoint = FROM_SAVEPOINT.optional(c);
        if (ALLOW_NON_RESTORED_STATE.get(c) && savepoint.isEmpty()) {
            throw new UsageException("--allow-non-restored-state needs --from-savepoint");
        }
        if (FRESH.get(c) && savepoint.isPresent()) {
            throw new UsageException("--fresh starts without state, --from-savepoint restores it: give one of them");
        }
        return new StartSettings(savepoint, ALLOW_NON_RESTORED_STATE.get(c), !FRESH.get(c));
    }

    public static PipelineConfig pipeline(ReadableConfig c, int exits) {
        InferenceConfig inference = new InferenceConfig(BATCH_SIZE.get(c), MAX_WAIT_MS.get(c),
                ExitCriterion.fromId(CRITERION.get(c)), thresholds(c, exits), MAX_MODEL_BYTES.get(c),
                "own".equals(MODEL_SWAP_THREAD.get(c)));
        TrainingMode mode = TrainingMode.fromId(MODE.get(c));
        AdaptConfig adapt = new AdaptConfig(
                DistillationOptions.config(c, mode, 0),
                SgdConfig.constantRate(LR.get(c), MOMENTUM.get(c), WEIGHT_DECAY.get(c)),
                new AdaptConfig.Batching(TRAIN_EVERY.get(c), TRAIN_BATCH.get(c), REPLAY_SIZE.get(c)),
                new AdaptConfig.Publishing(PUBLISH_EVERY_STEPS.get(c), PUBLISH_EVERY_SECONDS.get(c)),
                ModelOptions.SEED.get(c), unlabelled(c),
                new AdaptConfig.Gate(HOLDOUT_EVERY.get(c), HOLDOUT_SIZE.get(c), GATE_MARGIN.get(c)),
                new LogitAdjustment(LOGIT_ADJUSTMENT.get(c)));
        EventTimeBounds eventTime = new EventTimeBounds(Duration.ofSeconds(EVENT_TIME_MAX_PAST_S.get(c)),
                Duration.ofSeconds(EVENT_TIME_MAX_FUTURE_S.get(c)));
        return new PipelineConfig(inference, adapt, PARALLELISM.get(c),
                Duration.ofSeconds(METRICS_WINDOW_SECONDS.get(c)), Duration.ofSeconds(2), eventTime, LEARNER_SLOT_GROUP.get(c),
                new LearnerBudget(LEARNER_THREADS.get(c), LEARNER_TIME_SHARE.get(c), LEARNER_NICE.get(c),
                        "own".equals(LEARNER_STEP_THREAD.get(c)), LEARNER_IDLE_THREADS.get(c)), drift(c));
    }

    static DriftConfig drift(ReadableConfig c) {
        return new DriftConfig(DetectorKind.fromId(DRIFT_DETECTOR.get(c)), DRIFT_ADWIN_DELTA.get(c), DRIFT_ACTIVE_EVENTS.get(c),
                new DriftConfig.Regime(DRIFT_EXTRA_STEPS.get(c), DRIFT_RECENT_SHARE.get(c)),
                new DriftConfig.Calibration(EXIT_CALIBRATION.get(c).equalsIgnoreCase("on"), EXIT_CALIBRATION_TOLERANCE.get(c),
                        EXIT_CALIBRATION_MARGIN.get(c), EXIT_CALIBRATION_WINDOW.get(c), EXIT_CALIBRATION_MIN_EVENTS.get(c), DRIFT_TRUST_WINDOW.get(c)),
                DRIFT_TRUST_DROP.get(c),
                new DriftConfig.Alignment(INPUT_ALIGNMENT.get(c).equalsIgnoreCase("on"), INPUT_ALIGNMENT_MIN_LABELLED.get(c)));
    }

    static AdaptConfig.Unlabelled unlabelled(ReadableConfig c) {
        double share = UNLABELLED_SHARE.get(c);
        return new AdaptConfig.Unlabelled(share, share == 0 ? UnlabelledDistillation.OFF
                : new UnlabelledDistillation(UNLABELLED_WEIGHT.get(c), UNLABELLED_MIN_CONFIDENCE.get(c)));
    }

    /** {@code --thresholds} if set, else {@code --threshold} at each of the model's {@code exits - 1} shallow exits. */
    static double[] thresholds(ReadableConfig c, int exits) {
        Optional<String> perExit = THRESHOLDS.optional(c);
        if (perExit.isEmpty()) {
            double[] thresholds = new double[exits - 1];
            Arrays.fill(thresholds, THRESHOLD.get(c));
            return thresholds;
        }
        try {
            return Arrays.stream(perExit.get().split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("option --thresholds (" + THRESHOLDS.key() + ") expects comma-separated numbers, got '"
                    + perExit.get() + "'");
        }
    }

    /** Shorthands for a command's parsed flags: the job's options as they set them, over nothing. */
    public static JobSettings settings(Parsed args, KafkaClientProperties client) throws IOException {
        return settings(args.configuration(), client);
    }

    public static PipelineConfig pipeline(Parsed args, int exits) {
        return pipeline(args.configuration(), exits);
    }
}
