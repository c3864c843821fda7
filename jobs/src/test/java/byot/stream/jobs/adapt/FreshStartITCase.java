package byot.stream.jobs.adapt;

import static byot.stream.jobs.adapt.PipelineTestKit.ids;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.jobs.SyntheticImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that is cancelled keeps its last checkpoint, and a later fresh start (no savepoint) continues the version line
 * of the models topic: consumers that only take newer versions keep following the learner.
 */
class FreshStartITCase {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void aCancelledJobKeepsItsCheckpointAndAFreshRunPublishesNewerVersions(@TempDir Path dir) throws Exception {
        PipelineTestKit kit = new PipelineTestKit(KAFKA, "fresh");
        kit.createTopics();
        List<ImageEvent> events = SyntheticImages.events(96, 10, 1.0, false, 21, "e-", System.currentTimeMillis());

        // Run 1: learn and publish, then cancel.
        JobClient first = kit.start(dir.resolve("run1"), 1, null);
        kit.send(events);
        kit.awaitPredictions(ids(events));
        List<ModelUpdate> firstRun = kit.awaitModelsQuiet();
        long newestOfFirstRun = firstRun.get(firstRun.size() - 1).modelVersion();
        assertThat(newestOfFirstRun).isPositive();
        first.cancel().get();
        try {
            first.getJobExecutionResult().get();
        } catch (ExecutionException cancelled) {
            // expected: the job ends cancelled, and only then would its checkpoints be removed
        }
        Path jobCheckpoints = dir.resolve("run1/checkpoints").resolve(first.getJobID().toString());
        assertThat(retainedCheckpoints(jobCheckpoints)).as("the last checkpoint outlives the cancel").isNotEmpty();

        // Run 2: the job jar's entry point (what byot run and flink run call) from scratch (another group, so it reads the same images again), no savepoint.
        Path secondCheckpoints = dir.resolve("run2/checkpoints");
        JobSettings.Topics t = kit.topics();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AdaptJob.run(AdaptOptions.declare().parse(new String[] {"--bootstrap-servers", KAFKA.bootstrapServers(),
                "--images-topic", t.images(), "--predictions-topic", t.predictions(), "--models-topic", t.models(),
                "--metrics-topic", t.metrics(), "--dead-letter-topic", t.deadLetter(), "--group-id", "fresh-second",
                "--arch", "resnet18", "--width-mult", "0.0625", "--seed", "3", "--train-every", "8",
                "--publish-every-steps", "2", "--checkpoint-interval-ms", "500", "--parallelism", "1",
                "--checkpoint-dir", secondCheckpoints.toString(), "--bounded"}),
                "fresh-start", new PrintStream(err, true, StandardCharsets.UTF_8));

        List<ModelUpdate> all = kit.awaitModelsQuiet();
        List<Long> secondRun = all.subList(firstRun.size(), all.size()).stream().map(ModelUpdate::modelVersion).toList();
        assertThat(secondRun).as("the second run learned and published").isNotEmpty();
        assertThat(secondRun).as("versions continue above the first run's newest, " + newestOfFirstRun)
                .allMatch(v -> v > newestOfFirstRun);
        assertThat(all.stream().map(ModelUpdate::modelVersion).toList()).isSorted();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secondCheckpoints))).isEqualTo("rwx------");
    }

    private static List<Path> retainedCheckpoints(Path jobDir) throws Exception {
        if (!Files.isDirectory(jobDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(jobDir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("chk-"))
                    .filter(p -> Files.exists(p.resolve("_metadata"))).toList();
        }
    }
}
