package byot.stream.jobs.adapt;

import static byot.stream.jobs.adapt.PipelineTestKit.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.SyntheticImages;
import byot.stream.model.io.ModelFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
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

    @Test
    void resumesFromASavepointWithAnotherInferenceParallelism(@TempDir Path dir) throws Exception {
        PipelineTestKit kit = new PipelineTestKit(KAFKA, "sp");
        kit.createTopics();
        long now = System.currentTimeMillis();
        List<ImageEvent> trainA = SyntheticImages.events(160, 10, 1.0, false, 11, "a-", now);
        List<ImageEvent> probe = SyntheticImages.events(40, 10, 0.0, false, 12, "probe1-", now);
        List<ImageEvent> whileStopped = SyntheticImages.events(60, 10, 0.0, false, 13, "b-", now);
        List<ImageEvent> trainC = SyntheticImages.events(160, 10, 1.0, false, 14, "c-", now);

        // Run 1, one inference instance: learn, let the last version be published, answer the probes.
        JobClient first = kit.start(dir, 1, null);
        kit.send(trainA);
        kit.awaitPredictions(ids(trainA));
        List<ModelUpdate> published = kit.awaitModelsQuiet();
        assertThat(published).as("the labelled events were learned from").isNotEmpty();
        ModelUpdate last = published.get(published.size() - 1);
        kit.send(probe);
        Map<String, Prediction> before = kit.awaitPredictions(ids(probe));
        assertThat(before.values()).allMatch(p -> p.modelVersion() == last.modelVersion());

        String savepoint = first.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get();

        // Events that arrive while the job is down are answered after the restart, once.
        kit.send(whileStopped);

        // Run 2, two inference instances, from the savepoint.
        JobClient second = kit.start(dir, 2, savepoint);
        try {
            List<ImageEvent> probeAgain = probe.stream().map(e -> withId(e, e.id().replace("probe1-", "probe2-"))).toList();
            kit.send(probeAgain);
            Map<String, Prediction> after = kit.awaitPredictions(ids(probeAgain));

            // The learner announces what it resumed with: the version it had, the same weights.
            List<ModelUpdate> announced = kit.awaitModelsQuiet();
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
            kit.send(trainC);
            kit.awaitPredictions(ids(trainC));
            List<ModelUpdate> all = kit.awaitModelsQuiet();
            assertThat(all.get(all.size() - 1).modelVersion()).isGreaterThan(last.modelVersion());
            assertThat(all.stream().map(ModelUpdate::modelVersion).toList()).isSorted();

            List<String> expected = new ArrayList<>();
            for (List<ImageEvent> part : List.of(trainA, probe, whileStopped, probeAgain, trainC)) {
                expected.addAll(ids(part));
            }
            assertThat(kit.predictions().stream().map(Prediction::id).toList()).hasSameSizeAs(expected)
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(KAFKA.drain(kit.topics().deadLetter())).isEmpty();
        } finally {
            second.cancel().get();
        }
    }

    private static ImageEvent withId(ImageEvent e, String id) {
        return new ImageEvent(id, e.eventTimeMillis(), e.sourceId(), e.label(), e.height(), e.width(), e.channels(),
                e.encoding(), e.pixels());
    }
}
