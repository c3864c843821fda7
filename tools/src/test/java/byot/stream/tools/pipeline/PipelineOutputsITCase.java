package byot.stream.tools.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.adapt.JobSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A run's view of its output topics outlives records it cannot read: on a shared broker, or after a damaged write,
 * the predictions around such a record still arrive, and the skipped ones are counted with where the first one was.
 */
class PipelineOutputsITCase {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void recordsThatDoNotDecodeAreSkippedAndCountedWhileTheRestArrive() throws Exception {
        JobSettings.Topics topics = JobSettings.Topics.prefixed("outputs");
        KAFKA.createTopics(topics.predictions(), topics.metrics(), topics.deadLetter(), topics.models());
        JsonCodec<Prediction> codec = JsonCodec.predictions();
        Prediction first = new Prediction("test-1-0", "camera-0", 3, 0.9, 1, new double[] {0.9}, 1, 10, 5, 3);
        Prediction second = new Prediction("test-2-0", "camera-0", 4, 0.9, 1, new double[] {0.9}, 1, 20, 5, null);

        PipelineOutputs outputs = new PipelineOutputs(KAFKA.client(), topics);
        try {
            KAFKA.send(topics.predictions(), codec.encode(first), "{\"id\": oops".getBytes(StandardCharsets.UTF_8), new byte[0],
                    codec.encode(second));
            KAFKA.send(topics.metrics(), "[1]".getBytes(StandardCharsets.UTF_8));
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            while (outputs.predictionCount() < 2 && Instant.now().isBefore(deadline)) {
                Thread.sleep(100);
            }
            assertThat(outputs.predictions()).extracting(Prediction::id).containsExactly("test-1-0", "test-2-0");
            while (!outputs.undecodable().startsWith("3 ") && Instant.now().isBefore(deadline)) {
                Thread.sleep(100);
            }
            assertThat(outputs.undecodable()).startsWith("3 records did not decode and were skipped, first "
                    + topics.predictions() + "-0@1: ");
            assertThat(outputs.windows()).isEmpty();
        } finally {
            outputs.close();
        }
    }
}
