package byot.stream.jobs.adapt;

import static byot.stream.jobs.adapt.AdaptPipelineITCase.decodeAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.operators.AdaptConfig;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.io.ModelFile;
import byot.stream.model.loss.TrainingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop with a savepoint, then resume from it with more inference instances: no event is lost or answered twice
 * across the stop, the learner resumes with the very weights and version it had, and so does inference.
 */
class SavepointRescaleITCase {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final JobSettings.Topics TOPICS =
            new JobSettings.Topics("sp-images", "sp-predictions", "sp-models", "sp-metrics", "sp-dlq");
    private final ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);

    @Test
    void resumesFromASavepointWithAnotherInferenceParallelism(@TempDir Path dir) throws Exception {
        KAFKA.createTopics(2, TOPICS.images(), TOPICS.predictions(), TOPICS.deadLetter());
        KAFKA.createTopics(1, TOPICS.models(), TOPICS.metrics());
        long now = System.currentTimeMillis();
        List<ImageEvent> trainA = SyntheticImages.events(160, 10, 1.0, false, 11, "a-", now);
        List<ImageEvent> probe = SyntheticImages.events(40, 10, 0.0, false, 12, "probe1-", now);
        List<ImageEvent> whileStopped = SyntheticImages.events(60, 10, 0.0, false, 13, "b-", now);
        List<ImageEvent> trainC = SyntheticImages.events(160, 10, 1.0, false, 14, "c-", now);

        // Run 1, one inference instance: learn, let the last version be published, answer the probes.
        JobClient first = start(dir, 1, null);
        send(trainA);
        awaitPredictions(ids(trainA));
        List<ModelUpdate> published = awaitModelsQuiet();
        assertThat(published).as("the labelled events were learned from").isNotEmpty();
        ModelUpdate last = published.get(published.size() - 1);
        send(probe);
        Map<String, Prediction> before = awaitPredictions(ids(probe));
        assertThat(before.values()).allMatch(p -> p.modelVersion() == last.modelVersion());

        String savepoint = first.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get();

        // Events that arrive while the job is down are answered after the restart, once.
        send(whileStopped);

        // Run 2, two inference instances, from the savepoint.
        JobClient second = start(dir, 2, savepoint);
        try {
            List<ImageEvent> probeAgain = probe.stream().map(e -> withId(e, e.id().replace("probe1-", "probe2-"))).toList();
            send(probeAgain);
            Map<String, Prediction> after = awaitPredictions(ids(probeAgain));

            // The learner announces what it resumed with: the version it had, the same weights.
            List<ModelUpdate> announced = awaitModelsQuiet();
            assertThat(announced).hasSize(published.size() + 1);
            ModelUpdate resumed = announced.get(announced.size() - 1);
            assertThat(resumed.modelVersion()).isEqualTo(last.modelVersion());
            assertThat(ModelFile.weightsChecksum(ModelFile.fromBytes(resumed.payload())))
                    .isEqualTo(ModelFile.weightsChecksum(ModelFile.fromBytes(last.payload())));

            // Both new inference instances serve the restored model: same version, same answers as before the stop.
            for (ImageEvent e : probe) {
                Prediction p1 = before.get(e.id());
                Prediction p2 = after.get(e.id().replace("probe1-", "probe2-"));
                assertThat(p2.modelVersion()).isEqualTo(last.modelVersion());
                assertThat(p2.predictedClass()).isEqualTo(p1.predictedClass());
                assertThat(p2.exitDepth()).isEqualTo(p1.exitDepth());
                assertThat(p2.confidence()).isCloseTo(p1.confidence(), within(1e-5));
            }

            // Training goes on from there: newer versions, and every event of both runs answered exactly once.
            send(trainC);
            awaitPredictions(ids(trainC));
            List<ModelUpdate> all = awaitModelsQuiet();
            assertThat(all.get(all.size() - 1).modelVersion()).isGreaterThan(last.modelVersion());
            assertThat(all.stream().map(ModelUpdate::modelVersion).toList()).isSorted();

            List<Prediction> predictions = decodeAll(KAFKA.drain(TOPICS.predictions()), JsonCodec.predictions());
            List<String> expected = new ArrayList<>();
            for (List<ImageEvent> part : List.of(trainA, probe, whileStopped, probeAgain, trainC)) {
                expected.addAll(ids(part));
            }
            assertThat(predictions.stream().map(Prediction::id).toList()).hasSameSizeAs(expected)
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(KAFKA.drain(TOPICS.deadLetter())).isEmpty();
        } finally {
            second.cancel().get();
        }
    }

    private JobClient start(Path dir, int inferenceParallelism, String savepoint) throws Exception {
        JobSettings settings = new JobSettings(KAFKA.client(), TOPICS, "sp-group", DeliveryGuarantee.EXACTLY_ONCE,
                Duration.ofMillis(500), dir.resolve("checkpoints").toUri().toString(), false, 1 << 20, Duration.ofMillis(5));
        PipelineConfig config = new PipelineConfig(
                new InferenceConfig(16, 20, ExitCriterion.MAX_SOFTMAX, new double[] {0.9, 0.9, 0.9}),
                new AdaptConfig(TrainingMode.BYOT, 8, 16, 200, 4, 1, 0.05, 0.9, 5e-4, 0.3, 0.03, 3, 0),
                inferenceParallelism, Duration.ofSeconds(1), Duration.ofSeconds(1));
        StreamExecutionEnvironment env = AdaptJob.environment(settings);
        if (savepoint != null) {
            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            env.configure(restore);
        }
        env.setParallelism(2);
        byte[] initial = ModelFile.toBytes(MultiExitModel.create(AdaptPipelineITCase.SMALL, 3), false);
        AdaptPipeline.build(env, KafkaPipelineEndpoints.of(settings, AdaptPipelineITCase.SMALL), config, initial);
        return env.executeAsync("it-savepoint-" + inferenceParallelism);
    }

    private void send(List<ImageEvent> events) throws Exception {
        var producer = KAFKA.producer();
        for (ImageEvent e : events) {
            ImageEvent stamped = new ImageEvent(e.id(), System.currentTimeMillis(), e.sourceId(), e.label(), e.height(),
                    e.width(), e.channels(), e.encoding(), e.pixels());
            producer.send(new ProducerRecord<>(TOPICS.images(), ImageEventCodec.key(stamped), codec.encode(stamped)));
        }
        producer.flush();
        producer.close();
    }

    /** Waits until every id has a committed prediction; returns those predictions by id. */
    private static Map<String, Prediction> awaitPredictions(List<String> ids) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(AdaptPipelineITCase.IT_WAIT).toNanos();
        while (true) {
            Map<String, Prediction> got = decodeAll(KAFKA.drain(TOPICS.predictions()), JsonCodec.predictions()).stream()
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

    /** The committed model updates once no new one has arrived for a few publish and checkpoint intervals. */
    private static List<ModelUpdate> awaitModelsQuiet() throws Exception {
        ModelUpdateCodec modelCodec = new ModelUpdateCodec(ModelUpdateCodec.DEFAULT_MAX_PAYLOAD_BYTES);
        long deadline = System.nanoTime() + Duration.ofSeconds(AdaptPipelineITCase.IT_WAIT).toNanos();
        int count = -1;
        long quietSince = System.nanoTime();
        while (true) {
            int now = KAFKA.drain(TOPICS.models()).size();
            if (now != count) {
                count = now;
                quietSince = System.nanoTime();
            } else if (count > 0 && System.nanoTime() - quietSince > Duration.ofSeconds(4).toNanos()) {
                List<ModelUpdate> updates = new ArrayList<>();
                for (var r : KAFKA.drain(TOPICS.models())) {
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

    private static List<String> ids(List<ImageEvent> events) {
        return events.stream().map(ImageEvent::id).toList();
    }

    private static ImageEvent withId(ImageEvent e, String id) {
        return new ImageEvent(id, e.eventTimeMillis(), e.sourceId(), e.label(), e.height(), e.width(), e.channels(),
                e.encoding(), e.pixels());
    }
}
