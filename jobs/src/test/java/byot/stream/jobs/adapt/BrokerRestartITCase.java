package byot.stream.jobs.adapt;

import static byot.stream.jobs.adapt.PipelineTestKit.ids;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.SyntheticImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The broker goes down mid-stream and comes back: the job carries on by itself, every event answered once. */
class BrokerRestartITCase {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void ridesOutABrokerRestart(@TempDir Path dir) throws Exception {
        PipelineTestKit kit = new PipelineTestKit(KAFKA, "br");
        kit.createTopics();
        long now = System.currentTimeMillis();
        List<ImageEvent> before = SyntheticImages.events(200, 10, 0.5, false, 21, "before-", now);
        List<ImageEvent> after = SyntheticImages.events(200, 10, 0.5, false, 22, "after-", now);

        JobClient job = kit.start(dir, 2, null);
        try {
            kit.send(before);
            kit.awaitPredictions(ids(before).subList(0, 50));
            long versionsBefore = kit.awaitModelsQuiet().size();

            KAFKA.broker().restart(Duration.ofSeconds(5));
            kit.send(after);
            kit.awaitPredictions(ids(after));
            assertThat(job.getJobStatus().get()).as("no manual action: the job is still (or again) running")
                    .isEqualTo(JobStatus.RUNNING);

            List<String> expected = new ArrayList<>(ids(before));
            expected.addAll(ids(after));
            assertThat(kit.predictions().stream().map(Prediction::id).toList()).hasSameSizeAs(expected)
                    .containsExactlyInAnyOrderElementsOf(expected);
            List<ModelUpdate> models = kit.awaitModelsQuiet();
            assertThat(models.size()).as("learning went on after the restart").isGreaterThan((int) versionsBefore);
            assertThat(models.stream().map(ModelUpdate::modelVersion).toList()).isSorted();
        } finally {
            job.cancel().get();
        }
    }
}
