package byot.stream.tools.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.TopicAdmin;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.adapt.JobSettings;
import byot.stream.jobs.adapt.PipelineConfig;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local-run harness on brokers it is given (here a broker of the test, standing in for a user's cluster):
 * the job runs there, and the run's output is what the job commits during the run, never what was already there.
 */
class LocalPipelineITCase {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final ModelSpec SMALL = ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625);

    @Test
    void runsOnTheGivenBrokersAndCollectsOnlyWhatThisRunCommits(@TempDir Path dir) throws Exception {
        JobSettings.Topics topics = JobSettings.Topics.prefixed("lp");
        TopicAdmin.create(KAFKA.client(), topics.specs(2));
        // Left by an earlier run on the same topics: not this run's output.
        Prediction stale = new Prediction("stale", "camera-0", 1, 0.5, 1, new double[] {0.5}, 7, 1, 1, null);
        KAFKA.send(topics.predictions(), JsonCodec.predictions().encode(stale));

        List<ImageEvent> events = SyntheticImages.events(64, 10, 0.5, false, 1, "lp-", 0);
        JobSettings job = new JobSettings(new JobSettings.Kafka(KAFKA.client(), JobSettings.Topics.defaults(), "ignored",
                DeliveryGuarantee.EXACTLY_ONCE), new JobSettings.Checkpoints(Duration.ofMillis(500), "ignored"),
                new JobSettings.Source(true, 1 << 20), JobSettings.DEFAULT_BUFFER_TIMEOUT, java.util.Optional.empty());
        PipelineConfig pipeline = new PipelineConfig(new InferenceConfig(16, 20, ExitCriterion.MAX_SOFTMAX, new double[] {0.9, 0.9, 0.9}),
                FineTuning.byot(200, 2, 1), 1, Duration.ofSeconds(1), Duration.ofSeconds(1));
        byte[] initial = ModelFile.toBytes(MultiExitModel.create(SMALL, 0), false);
        LocalPipeline.Config config = new LocalPipeline.Config("lp", topics, 2, dir.resolve("checkpoints"), job, pipeline, initial);

        try (LocalKafka kafka = LocalKafka.of(Optional.of(KAFKA.client()))) {
            assertThat(kafka.embedded()).isFalse();
            try (LocalPipeline run = LocalPipeline.start(kafka, config)) {
                assertThat(run.settings().client().bootstrapServers()).isEqualTo(KAFKA.bootstrapServers());
                assertThat(run.settings().groupId()).isEqualTo("lp");
                assertThat(run.settings().bounded()).as("a local run follows its topic").isFalse();
                KAFKA.send(topics.images(), "not an image".getBytes());
                run.send(events, 0);
                PipelineOutputs outputs = run.outputs();
                long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
                while ((outputs.predictionCount() < events.size() || outputs.deadLetters().isEmpty() || outputs.models() == 0)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(250);
                }
                assertThat(outputs.predictions()).extracting(Prediction::id)
                        .containsExactlyInAnyOrderElementsOf(events.stream().map(ImageEvent::id).toList());
                assertThat(outputs.deadLetters()).extracting(DeadLetter::reason).containsExactly(Reason.BAD_MAGIC);
                assertThat(outputs.models()).isPositive();
            }
        }
        // The job wrote to the given brokers: the stale record and this run's predictions are all there.
        assertThat(KAFKA.drain(topics.predictions())).hasSize(events.size() + 1);
    }
}
