package byot.stream.jobs.adapt;

import static byot.stream.jobs.adapt.AdaptPipelineITCase.decodeAll;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.TopicAdmin;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.io.ModelFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The pipeline of a test on one broker and one set of topics: start it, feed it, wait for its answers. It starts
 * the job through {@link PipelineLaunch} and names and creates topics through {@link JobSettings.Topics}, the same
 * pieces tools' {@code LocalPipeline} uses; what stays here is the tests' own: their small model and knobs, and
 * synchronous reads through the broker extension.
 */
final class PipelineTestKit {

    private final EmbeddedKafkaExtension kafka;
    private final KafkaClientProperties jobClient;
    private final JobSettings.Topics topics;
    private final ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);

    PipelineTestKit(EmbeddedKafkaExtension kafka, String prefix) {
        this(kafka, prefix, kafka.client());
    }

    /** The job connects with {@code jobClient}; the kit itself (topics, sending, reading) with the broker's admin. */
    PipelineTestKit(EmbeddedKafkaExtension kafka, String prefix, KafkaClientProperties jobClient) {
        this.kafka = kafka;
        this.jobClient = jobClient;
        this.topics = JobSettings.Topics.prefixed(prefix);
    }

    String groupId() {
        return topics.images() + "-group";
    }

    JobSettings.Topics topics() {
        return topics;
    }

    /** Images and predictions on two partitions; models and metrics on one, so versions are read in order. */
    void createTopics() throws Exception {
        createTopics(2);
    }

    /** With {@code partitions} for images, predictions and dead letters; the settings of {@link JobSettings.Topics#specs}. */
    void createTopics(int partitions) throws Exception {
        TopicAdmin.create(kafka.client(), topics.specs(partitions));
    }

    /**
     * Starts the job (exactly-once, checkpoints every 500 ms) on the small model of the pipeline tests, learning
     * from every 8 labelled events and publishing after 4 steps or 1 s; from {@code savepoint} when not null.
     */
    JobClient start(Path dir, int inferenceParallelism, String savepoint) throws Exception {
        return start(dir, inferenceParallelism, savepoint, true);
    }

    /** As above; without {@code restarts} any failure fails the job, so a RUNNING job proves there was none. */
    JobClient start(Path dir, int inferenceParallelism, String savepoint, boolean restarts) throws Exception {
        return environment(dir, inferenceParallelism, savepoint, restarts).executeAsync(topics.images() + "-job");
    }

    /** The environment with the job built in it, not yet executed. */
    StreamExecutionEnvironment environment(Path dir, int inferenceParallelism, String savepoint, boolean restarts) throws Exception {
        JobSettings settings = new JobSettings(new JobSettings.Kafka(jobClient, topics, groupId(), DeliveryGuarantee.EXACTLY_ONCE),
                new JobSettings.Checkpoints(Duration.ofMillis(500), dir.resolve("checkpoints").toUri().toString()));
        PipelineConfig config = new PipelineConfig(
                new InferenceConfig(16, 20, ExitCriterion.MAX_SOFTMAX, new double[] {0.9, 0.9, 0.9}),
                FineTuning.byot(200, 4, 1),
                inferenceParallelism, Duration.ofSeconds(1), Duration.ofSeconds(1));
        Configuration extra = new Configuration();
        if (savepoint != null) {
            extra.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        if (!restarts) {
            extra.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        }
        byte[] initial = ModelFile.toBytes(MultiExitModel.create(AdaptPipelineITCase.SMALL, 3), false);
        return new PipelineLaunch(settings, config, initial, 2).environment(extra);
    }

    /**
     * Sends the events stamped with the current time (the sinks stamp records with event time; retention is a week).
     * Not idempotent: after the embedded broker restarts, a new producer can be handed a producer id that wrote
     * before the restart, and the broker then refuses its first sequence numbers as out of order.
     */
    void send(List<ImageEvent> events) throws Exception {
        var settings = kafka.client().toProperties(Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false", ProducerConfig.LINGER_MS_CONFIG, "5"));
        try (var producer = new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ImageEvent e : events) {
                ImageEvent stamped = new ImageEvent(e.id(), System.currentTimeMillis(), e.sourceId(), e.label(), e.height(),
                        e.width(), e.channels(), e.encoding(), e.pixels());
                producer.send(new ProducerRecord<>(topics.images(), ImageEventCodec.key(stamped), codec.encode(stamped)));
            }
            producer.flush();
        }
    }

    /** Waits until every id has a committed prediction; returns those predictions by id. */
    Map<String, Prediction> awaitPredictions(List<String> ids) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(AdaptPipelineITCase.IT_WAIT).toNanos();
        while (true) {
            Map<String, Prediction> got = predictions().stream()
                    .collect(Collectors.toMap(Prediction::id, Function.identity(), (a, b) -> a));
            if (got.keySet().containsAll(ids)) {
                return ids.stream().collect(Collectors.toMap(Function.identity(), got::get));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(ids.stream().filter(id -> !got.containsKey(id)).count() + " of " + ids.size()
                        + " predictions missing after " + AdaptPipelineITCase.IT_WAIT + " s");
            }
            Thread.sleep(500);
        }
    }

    /** Every committed prediction, duplicates included. */
    List<Prediction> predictions() throws Exception {
        return decodeAll(kafka.drain(topics.predictions()), JsonCodec.predictions());
    }

    /** The committed model updates once none has arrived for a few publish and checkpoint intervals. */
    List<ModelUpdate> awaitModelsQuiet() throws Exception {
        ModelUpdateCodec modelCodec = new ModelUpdateCodec(ModelUpdateCodec.DEFAULT_MAX_PAYLOAD_BYTES);
        long deadline = System.nanoTime() + Duration.ofSeconds(AdaptPipelineITCase.IT_WAIT).toNanos();
        int count = -1;
        long quietSince = System.nanoTime();
        while (true) {
            int now = kafka.drain(topics.models()).size();
            if (now != count) {
                count = now;
                quietSince = System.nanoTime();
            } else if (count > 0 && System.nanoTime() - quietSince > Duration.ofSeconds(4).toNanos()) {
                List<ModelUpdate> updates = new ArrayList<>();
                for (var r : kafka.drain(topics.models())) {
                    updates.add(modelCodec.decode(r.value()));
                }
                return updates;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("models topic did not settle (" + count + " updates)");
            }
            Thread.sleep(500);
        }
    }

    static List<String> ids(List<ImageEvent> events) {
        return events.stream().map(ImageEvent::id).toList();
    }
}
