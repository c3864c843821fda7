package byot.stream.jobs.adapt;

import byot.stream.model.train.Trainer;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.format.PixelEncoding;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.signing.ModelKeyFile;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.operators.EventTensors;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.io.ModelFile;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.SgdConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline on a MiniCluster against a real broker, exactly-once, with bad records mixed in. */
class AdaptPipelineITCase {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final long IT_WAIT = Long.parseLong(System.getenv().getOrDefault("IT_WAIT_SECONDS", "180"));
    static final ModelSpec SPEC = ModelSpec.fashionMnist(Architecture.RESNET18, 0.125);
    /** Narrower still where the test trains for many steps. */
    static final ModelSpec SMALL = ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625);

    @Test
    void everyGoodEventGetsExactlyOnePredictionAndBadOnesBecomeDeadLetters(@TempDir Path checkpoints) throws Exception {
        JobSettings.Topics topics = new JobSettings.Topics("it-images", "it-predictions", "it-models", "it-metrics", "it-dlq");
        KAFKA.createTopics(2, topics.images(), topics.predictions(), topics.deadLetter());
        KAFKA.createTopics(1, topics.models(), topics.metrics()); // one partition: consumers see versions in order

        List<ImageEvent> events = new ArrayList<>(SyntheticImages.events(320, 10, 0.5, false, 1, "img-", 0));
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        List<byte[]> bad = List.of("not an image".getBytes(),
                codec.encode(new ImageEvent("wrong-shape", System.currentTimeMillis(), "camera-9", 1, 8, 8, 1,
                        PixelEncoding.RAW_UINT8, new byte[64])),
                codec.encode(new ImageEvent("bad-label", System.currentTimeMillis(), "camera-9", 42, 28, 28, 1,
                        PixelEncoding.RAW_UINT8, new byte[784])));
        // The job signs its models topic; a reader with the key verifies every version (docs/reliability.md).
        ModelKeyFile modelKey = new ModelKeyFile(Files.write(checkpoints.resolve("model.key"), new byte[32]).toString());
        JobSettings settings = new JobSettings(new JobSettings.Kafka(KAFKA.client(), topics, "it-group", DeliveryGuarantee.EXACTLY_ONCE),
                new JobSettings.Checkpoints(Duration.ofMillis(500), checkpoints.toUri().toString())).withModelKey(Optional.of(modelKey));
        PipelineConfig config = new PipelineConfig(
                new InferenceConfig(16, 20, ExitCriterion.MAX_SOFTMAX, new double[] {0.9, 0.9, 0.9}),
                FineTuning.byot(200, 2, 60),
                2, Duration.ofSeconds(1), Duration.ofSeconds(1));
        byte[] initial = ModelFile.toBytes(MultiExitModel.create(SPEC, 0), false);
        var env = AdaptJob.environment(settings);
        env.setParallelism(2);
        AdaptPipeline.build(env, KafkaPipelineEndpoints.of(settings, SPEC), config, initial);
        JobClient job = env.executeAsync("it-adapt");

        // First half, then wait for a committed model version: by then every inference instance has it
        // (the update preceded the checkpoint barrier on each broadcast channel), so the second half must
        // be answered by a newer model on both instances.
        Map<String, Integer> partitionOf = new HashMap<>();
        var producer = KAFKA.producer();
        int half = events.size() / 2;
        for (int i = 0; i < events.size(); i++) {
            if (i == half) {
                producer.flush();
                awaitCount(topics.models(), 1);
            }
            // Stamped when sent, as a camera would: event time then follows the order the pipeline sees.
            ImageEvent e = restamp(events.get(i));
            events.set(i, e);
            var meta = producer.send(new ProducerRecord<>(topics.images(), ImageEventCodec.key(e), codec.encode(e))).get();
            partitionOf.put(e.id(), meta.partition());
            if (i % 100 == 50) {
                producer.send(new ProducerRecord<>(topics.images(), bad.get(i / 100))).get();
            }
        }
        producer.flush();
        awaitCount(topics.predictions(), events.size());
        awaitCount(topics.deadLetter(), bad.size());
        job.cancel().get();

        List<Prediction> predictions = decodeAll(KAFKA.drain(topics.predictions()), JsonCodec.predictions());
        assertThat(predictions).hasSize(events.size());
        assertThat(predictions.stream().map(Prediction::id).collect(Collectors.toSet()))
                .isEqualTo(events.stream().map(ImageEvent::id).collect(Collectors.toSet()));
        for (Prediction p : predictions) {
            assertThat(p.exitDepth()).isBetween(1, 4);
            assertThat(p.confidence()).isBetween(0.0, 1.0);
            assertThat(p.exitConfidences()).hasSize(p.exitDepth());
            assertThat(p.predictedClass()).isBetween(0, 9);
        }

        List<DeadLetter> dead = decodeAll(KAFKA.drain(topics.deadLetter()), JsonCodec.deadLetters());
        assertThat(dead).hasSize(bad.size());
        assertThat(dead.stream().map(DeadLetter::reason).distinct()).hasSize(bad.size());

        // Labelled events trained the model: versions were published in order and reached every inference instance.
        ModelUpdateCodec modelCodec = ModelUpdateCodec.signedWith(modelKey);
        List<Long> versions = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.drain(topics.models())) {
            ModelUpdate update = modelCodec.decode(r.value());
            versions.add(update.modelVersion());
            assertThat(ModelFile.fromBytes(update.payload()).spec()).isEqualTo(SPEC);
        }
        assertThat(versions).isNotEmpty().isSorted().doesNotHaveDuplicates();
        Map<String, Long> versionById = predictions.stream().collect(Collectors.toMap(Prediction::id, Prediction::modelVersion));
        assertThat(versionById.get("img-0")).isZero();
        for (int partition = 0; partition < 2; partition++) {
            int p = partition;
            long newest = events.subList(half, events.size()).stream().filter(e -> partitionOf.get(e.id()) == p)
                    .mapToLong(e -> versionById.get(e.id())).max().orElse(-1);
            assertThat(newest).as("newest version seen by the instance reading partition %d", p).isGreaterThan(0);
        }

        // Windows close on event time; the last ones may still be open when the job is cancelled.
        List<MetricsWindow> windows = decodeAll(KAFKA.drain(topics.metrics()), JsonCodec.metricsWindows());
        assertThat(windows).isNotEmpty();
        assertThat(windows.stream().mapToLong(MetricsWindow::deadLetters).sum()).isBetween(0L, (long) bad.size());
        for (MetricsWindow w : windows) {
            assertThat(java.util.Arrays.stream(w.exitHistogram()).sum()).isEqualTo(w.count());
            if (w.modelVersion() == byot.stream.jobs.operators.Observation.NO_MODEL) {
                assertThat(w.count()).as("dead letters are reported apart from predictions").isZero();
            }
            long inWindow = predictions.stream().filter(p -> p.modelVersion() == w.modelVersion()
                    && p.eventTime() >= w.windowStart() && p.eventTime() < w.windowEnd()).count();
            assertThat(w.count()).as("predictions of version %d in [%d, %d)", w.modelVersion(), w.windowStart(), w.windowEnd())
                    .isEqualTo(inWindow);
        }
    }

    private static void awaitIds(String topic, List<String> ids) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(IT_WAIT).toNanos();
        while (true) {
            var got = decodeAll(KAFKA.drain(topic), JsonCodec.predictions()).stream().map(Prediction::id)
                    .collect(Collectors.toSet());
            if (got.containsAll(ids)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(ids.stream().filter(id -> !got.contains(id)).count() + " of the awaited ids missing in "
                        + topic + " after " + IT_WAIT + " s");
            }
            Thread.sleep(500);
        }
    }

    private static void awaitCount(String topic, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(IT_WAIT).toNanos();
        int seen;
        while ((seen = KAFKA.drain(topic).size()) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(seen + " < " + atLeast + " committed records in " + topic + " after 3 minutes");
            }
            Thread.sleep(500);
        }
    }

    @Test
    void accuracyRecoversAfterADomainShift(@TempDir Path checkpoints) throws Exception {
        JobSettings.Topics topics = new JobSettings.Topics("shift-images", "shift-predictions", "shift-models", "shift-metrics",
                "shift-dlq");
        KAFKA.createTopics(1, topics.images(), topics.predictions(), topics.models(), topics.metrics(), topics.deadLetter());

        // A model that knows the normal images, then a stream that turns inverted after 200 events.
        MultiExitModel model = MultiExitModel.create(SMALL, 1);
        var trainer = new Trainer(model, byot.stream.model.loss.DistillationConfig.defaults(TrainingMode.BYOT),
                new byot.stream.model.train.SgdConfig(0.05, 0.9, 5e-4, byot.stream.model.train.LrSchedule.CONSTANT, 0));
        List<ImageEvent> pretrain = SyntheticImages.events(640, 10, 1.0, false, 7, "p-", 0);
        for (int step = 0; step < 20; step++) {
            List<ImageEvent> batch = pretrain.subList(step * 32, step * 32 + 32);
            trainer.step(EventTensors.pixels(batch), EventTensors.labels(batch));
        }
        // Event times near now: the sinks stamp Kafka records with event time, and the broker's retention
        // deletes segments whose timestamps are older than a week.
        long now = System.currentTimeMillis();
        List<ImageEvent> stream = new ArrayList<>(SyntheticImages.events(100, 10, 1.0, false, 8, "n-", now));
        stream.addAll(SyntheticImages.events(400, 10, 1.0, true, 9, "s-", now + 1_000));

        JobSettings settings = new JobSettings(new JobSettings.Kafka(KAFKA.client(), topics, "shift-group", DeliveryGuarantee.AT_LEAST_ONCE),
                new JobSettings.Checkpoints(Duration.ofSeconds(1), checkpoints.toUri().toString()));
        PipelineConfig config = new PipelineConfig(
                new InferenceConfig(16, 20, ExitCriterion.MAX_SOFTMAX, new double[] {0.9, 0.9, 0.9}),
                FineTuning.byot(400, 4, 60),
                1, Duration.ofSeconds(1), Duration.ofSeconds(1));
        var env = AdaptJob.environment(settings);
        env.setParallelism(1);
        AdaptPipeline.build(env, KafkaPipelineEndpoints.of(settings, SMALL), config, ModelFile.toBytes(model, false));
        JobClient job = env.executeAsync("it-shift");
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        var producer = KAFKA.producer();
        for (ImageEvent e : stream) {
            producer.send(new ProducerRecord<>(topics.images(), ImageEventCodec.key(e), codec.encode(e)));
        }
        producer.flush();
        // Learning is judged on the adapted tail; exact delivery is the other test's subject.
        awaitIds(topics.predictions(), stream.subList(400, 500).stream().map(ImageEvent::id).toList());
        job.cancel().get();

        Map<String, Prediction> byId = decodeAll(KAFKA.drain(topics.predictions()), JsonCodec.predictions()).stream()
                .collect(Collectors.toMap(Prediction::id, p -> p, (a, b) -> a));
        double beforeShift = accuracy(byId, "n-", 0, 100);
        double rightAfter = accuracy(byId, "s-", 0, 80);
        double adapted = accuracy(byId, "s-", 300, 400);
        assertThat(rightAfter).as("the shift hurts").isLessThan(beforeShift - 0.2);
        assertThat(adapted).as("fine-tuning recovers (right after the shift: %.2f)", rightAfter).isGreaterThan(rightAfter + 0.25);
    }

    private static ImageEvent restamp(ImageEvent e) {
        return new ImageEvent(e.id(), System.currentTimeMillis(), e.sourceId(), e.label(), e.height(), e.width(), e.channels(),
                e.encoding(), e.pixels());
    }

    private static double accuracy(Map<String, Prediction> byId, String prefix, int from, int to) {
        long correct = 0;
        long seen = 0;
        for (int i = from; i < to; i++) {
            Prediction p = byId.get(prefix + i);
            if (p != null) {
                seen++;
                correct += p.predictedClass() == p.label() ? 1 : 0;
            }
        }
        assertThat(seen).as("predictions for %s%d..%d", prefix, from, to).isGreaterThan((to - from) * 3L / 4);
        return (double) correct / seen;
    }

    static <T> List<T> decodeAll(List<ConsumerRecord<byte[], byte[]>> records, JsonCodec<T> codec) throws Exception {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.add(codec.decode(r.value()));
        }
        return out;
    }
}
