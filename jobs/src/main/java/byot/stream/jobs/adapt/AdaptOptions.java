package byot.stream.jobs.adapt;

import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.signing.ModelKey;
import byot.stream.connectors.signing.ModelKeyFile;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.jobs.config.DistillationOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.jobs.operators.AdaptConfig;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.jobs.operators.drift.DetectorKind;
import byot.stream.jobs.operators.drift.DriftConfig;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.train.SgdConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.base.DeliveryGuarantee;

/** The flags of {@code byot run}, declared once, and their translation into the pipeline's records. */
public final class AdaptOptions {

    private AdaptOptions() {
    }

    public static Options declare() {
        Options options = ClientOptions.declare(new Options())
                .add("images-topic", "images", "Topic of image events")
                .add("predictions-topic", "predictions", "Topic of predictions (JSON)")
                .add("models-topic", "models", "Topic of published model versions")
                .add("metrics-topic", "metrics", "Topic of metrics windows (JSON)")
                .add("dead-letter-topic", "dead-letter", "Topic of records that could not be processed")
                .add("group-id", "byot-adapt", "Kafka consumer group of the image source")
                .add("delivery", "exactly-once", "exactly-once (transactional, visible per checkpoint) or at-least-once (visible at once)")
                .add("initial-model", null, "Model file from byot train to start from (default: a fresh model)")
                .add("model-key", null, "Key file (at least 32 bytes: " + ModelKey.HOW_TO_MAKE_ONE + ") that signs"
                        + " the models topic (HMAC-SHA-256) and that --initial-model's FILE.sig must verify under;"
                        + " needed on every TaskManager (default: unsigned)")
                .add("arch", "resnet18", "Backbone of a fresh model")
                .add("width-mult", "0.25", "Width multiplier of a fresh model")
                .add("seed", "0", "Seed of a fresh model and of the replay sampling")
                .add("criterion", "max-softmax", "Early-exit criterion: max-softmax or entropy")
                .add("threshold", "0.9", "Early-exit threshold at every shallow exit")
                .add("thresholds", null, "Comma-separated per-exit thresholds (one per shallow exit), overrides --threshold")
                .add("batch-size", "16", "Inference micro-batch size")
                .add("max-wait-ms", "5", "Longest an event waits for its inference micro-batch")
                .add("parallelism", "0", "Inference instances (0: the environment's default parallelism)")
                .add("mode", "byot", "Fine-tuning loss: byot, deepsup or baseline")
                .add("train-every", "16", "Labelled events per fine-tuning step")
                .add("train-batch", "32", "Fine-tuning batch: new events plus replayed ones")
                .add("replay-size", "2000", "Reservoir of past labelled events for replay")
                .add("publish-every-steps", "10", "Publish a new model version after this many steps")
                .add("publish-every-seconds", "10", "...or after this many seconds with at least one step")
                .add("lr", "0.01", "Fine-tuning learning rate")
                .add("momentum", "0.9", "Fine-tuning SGD momentum")
                .add("weight-decay", "5e-4", "Fine-tuning weight decay")
                .add("drift-detector", "adwin", "Change detector on each exit's prequential error: adwin, page-hinkley, ddm, or off")
                .add("drift-adwin-delta", "0.002", "ADWIN confidence: smaller gives fewer false alarms and later detection")
                .add("drift-active-events", "1000", "Labelled events after a drift alarm during which drift is active (stronger regime)")
                .add("drift-extra-steps", "1", "Extra fine-tuning steps on replayed events per step while drift is active")
                .add("drift-recent-share", "0.5", "While drift is active, share of replayed events drawn from those since the alarm")
                .add("drift-trust-drop", "0.05", "On an alarm, distrust shallow exits whose recent accuracy fell by more than this")
                .add("drift-trust-window", "100", "Most recent labelled events whose accuracy decides, on an alarm, which exits fell")
                .add("exit-calibration", "on", "Recalibrate early-exit thresholds online and publish them with each version: on or off")
                .add("exit-calibration-tolerance", "0.005", "Accuracy early answers may lose against the deepest exit on the same events")
                .add("exit-calibration-window", "500", "Labelled events the threshold calibration looks back on")
                .add("exit-calibration-min-events", "200", "Labelled events before calibrating, and after an alarm before distrusted exits return");
        return DistillationOptions.declare(options)
                .add("metrics-window-seconds", "5", "Event-time window of the metrics topic")
                .add("event-time-max-past-s", "3600", "Event times older than arrival minus this are clamped for windows and sink timestamps")
                .add("event-time-max-future-s", "60", "Event times later than arrival plus this are clamped (at most 1800: sinks stamp records with it)")
                .add("checkpoint-interval-ms", "2000", "Checkpoint interval; exactly-once predictions become visible at each."
                        + " Without the flag a cluster's execution.checkpointing.interval wins over this default")
                .add("checkpoint-dir", "out/checkpoints", "Checkpoint storage (file system: model state is several MB); a local one is"
                        + " created owner-only (700). Without the flag a cluster's execution.checkpointing.dir wins over this default")
                .add("from-savepoint", null, "Savepoint or retained checkpoint to resume from: model, version, replay buffer and Kafka offsets")
                .flag("allow-non-restored-state", "With --from-savepoint: skip savepoint state that no operator of this job claims")
                .flag("fresh", "Without --from-savepoint: ignore the newest model on --models-topic and restart its version line")
                .add("buffer-timeout-ms", "5", "Longest a record waits in a network buffer between tasks (latency vs. throughput)")
                .add("max-pixel-bytes", "1048576", "Largest image payload accepted; bigger ones go to the dead-letter topic")
                .add("max-model-bytes", String.valueOf(InferenceConfig.DEFAULT_MAX_MODEL_BYTES),
                        "Largest model update inference accepts; bigger ones are refused and counted")
                .flag("bounded", "Stop at the image offsets that were latest at start");
    }

    public static JobSettings settings(Parsed a) throws IOException {
        return settings(a, ClientOptions.client(a));
    }

    /** As above, with {@code client} for the Kafka flags (a local run's own broker). */
    public static JobSettings settings(Parsed a, KafkaClientProperties client) throws IOException {
        DeliveryGuarantee delivery = switch (a.get("delivery").toLowerCase(Locale.ROOT)) {
            case "exactly-once" -> DeliveryGuarantee.EXACTLY_ONCE;
            case "at-least-once" -> DeliveryGuarantee.AT_LEAST_ONCE;
            default -> throw new UsageException("--delivery must be exactly-once or at-least-once, got " + a.get("delivery"));
        };
        JobSettings.Topics topics = new JobSettings.Topics(a.get("images-topic"), a.get("predictions-topic"),
                a.get("models-topic"), a.get("metrics-topic"), a.get("dead-letter-topic"));
        return new JobSettings(new JobSettings.Kafka(client, topics, a.get("group-id"), delivery),
                new JobSettings.Checkpoints(Duration.ofMillis(a.getLong("checkpoint-interval-ms")),
                        CheckpointDirectory.of(a.get("checkpoint-dir")).uri()),
                new JobSettings.Source(a.flag("bounded"), a.getInt("max-pixel-bytes")),
                Duration.ofMillis(a.getLong("buffer-timeout-ms")), modelKey(a));
    }

    /**
     * {@code --model-key}, read once here so that a missing or short key fails the submission rather than the
     * first model the job publishes; the job itself carries only the path.
     */
    public static Optional<ModelKeyFile> modelKey(Parsed a) throws IOException {
        if (!a.has("model-key")) {
            return Optional.empty();
        }
        ModelKeyFile key = new ModelKeyFile(a.get("model-key"));
        key.read();
        return Optional.of(key);
    }

    /** A job flag {@code --name} can also be set in the cluster's configuration as {@code byot.name}. */
    public static final String CONFIG_PREFIX = "byot.";

    /**
     * The job's flags as the cluster's configuration (flink-conf, a {@code FlinkDeployment}'s
     * {@code flinkConfiguration}) sets them under {@link #CONFIG_PREFIX}: the fallback for every flag the command line
     * leaves out. Each is read as a Flink {@link ConfigOption} derived from the flag's one declaration.
     */
    public static Map<String, String> fromCluster(ReadableConfig cluster) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : declare().names()) {
            ConfigOption<String> option = ConfigOptions.key(CONFIG_PREFIX + name).stringType().noDefaultValue();
            cluster.getOptional(option).ifPresent(value -> values.put(name, value));
        }
        return values;
    }

    /**
     * Checkpointing belongs to the cluster: where its configuration (flink-conf, a {@code FlinkDeployment}'s
     * {@code flinkConfiguration}) sets the interval or the directory, that value is used unless the flag was given.
     */
    public static JobSettings checkpointsOf(JobSettings s, Parsed a, ReadableConfig cluster) {
        Duration interval = a.given("checkpoint-interval-ms") ? s.checkpointInterval()
                : cluster.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).orElse(s.checkpointInterval());
        String dir = a.given("checkpoint-dir") ? s.checkpointDir()
                : cluster.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).orElse(s.checkpointDir());
        return s.withCheckpoints(interval, dir);
    }

    public static StartSettings start(Parsed a) {
        if (a.flag("allow-non-restored-state") && !a.has("from-savepoint")) {
            throw new UsageException("--allow-non-restored-state needs --from-savepoint");
        }
        if (a.flag("fresh") && a.has("from-savepoint")) {
            throw new UsageException("--fresh starts without state, --from-savepoint restores it: give one of them");
        }
        return new StartSettings(a.optional("from-savepoint"), a.flag("allow-non-restored-state"), !a.flag("fresh"));
    }

    public static PipelineConfig pipeline(Parsed a, int exits) {
        ExitCriterion criterion = ExitCriterion.fromId(a.get("criterion"));
        double[] thresholds = new double[exits - 1];
        Arrays.fill(thresholds, a.getDouble("threshold"));
        if (a.has("thresholds")) {
            thresholds = a.getDoubles("thresholds");
        }
        InferenceConfig inference = new InferenceConfig(a.getInt("batch-size"), a.getLong("max-wait-ms"), criterion, thresholds,
                a.getInt("max-model-bytes"));
        TrainingMode mode = TrainingMode.fromId(a.get("mode"));
        if (mode == TrainingMode.KD) {
            throw new UsageException("--mode kd needs a separate teacher and is offline only (byot train)");
        }
        AdaptConfig adapt = new AdaptConfig(
                DistillationOptions.config(a, mode, 0),
                SgdConfig.constantRate(a.getDouble("lr"), a.getDouble("momentum"), a.getDouble("weight-decay")),
                new AdaptConfig.Batching(a.getInt("train-every"), a.getInt("train-batch"), a.getInt("replay-size")),
                new AdaptConfig.Publishing(a.getInt("publish-every-steps"), a.getDouble("publish-every-seconds")),
                a.getLong("seed"));
        EventTimeBounds eventTime = new EventTimeBounds(Duration.ofSeconds(a.getLong("event-time-max-past-s")),
                Duration.ofSeconds(a.getLong("event-time-max-future-s")));
        return new PipelineConfig(inference, adapt, a.getInt("parallelism"),
                Duration.ofSeconds(a.getLong("metrics-window-seconds")), Duration.ofSeconds(2), eventTime, drift(a));
    }

    static DriftConfig drift(Parsed a) {
        boolean calibrate = switch (a.get("exit-calibration").toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new UsageException("--exit-calibration must be on or off, got " + a.get("exit-calibration"));
        };
        try {
            return new DriftConfig(DetectorKind.fromId(a.get("drift-detector")), a.getDouble("drift-adwin-delta"),
                    a.getInt("drift-active-events"),
                    new DriftConfig.Regime(a.getInt("drift-extra-steps"), a.getDouble("drift-recent-share")),
                    new DriftConfig.Calibration(calibrate, a.getDouble("exit-calibration-tolerance"), a.getInt("exit-calibration-window"),
                            a.getInt("exit-calibration-min-events"), a.getInt("drift-trust-window")),
                    a.getDouble("drift-trust-drop"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
