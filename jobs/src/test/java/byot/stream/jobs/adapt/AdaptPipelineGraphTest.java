package byot.stream.jobs.adapt;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.PixelEncoding;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.io.ModelFile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The job graph of {@link AdaptPipeline} end to end on a MiniCluster with finite in-memory endpoints: no broker, no
 * checkpoints, a few seconds. What the Kafka integration tests add on top is delivery (transactions, restarts).
 */
class AdaptPipelineGraphTest {

    @Test
    @Timeout(60)
    void everyEventIsAnsweredOnceBadRecordsAreDeadLettersModelsArePublishedAndWindowsCountEverything() throws Exception {
        long now = System.currentTimeMillis();
        List<ImageEvent> events = SyntheticImages.events(160, 10, 0.5, false, 1, "img-", now);
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        List<byte[]> records = new ArrayList<>(events.stream().map(codec::encode).toList());
        records.add(40, "not an image".getBytes());
        records.add(80, codec.encode(new ImageEvent("wrong-shape", now, "camera-9", 1, 8, 8, 1, PixelEncoding.RAW_UINT8,
                new byte[64])));
        records.add(120, codec.encode(new ImageEvent("bad-label", now, "camera-9", 42, 28, 28, 1, PixelEncoding.RAW_UINT8,
                new byte[784])));
        PipelineConfig config = new PipelineConfig(
                new InferenceConfig(16, 20, ExitCriterion.MAX_SOFTMAX, new double[] {0.9, 0.9, 0.9}),
                FineTuning.byot(200, 2, 60), 2, Duration.ofSeconds(1), Duration.ofSeconds(1));
        byte[] initial = ModelFile.toBytes(MultiExitModel.create(AdaptPipelineITCase.SMALL, 0), false);

        try (FiniteEndpoints io = new FiniteEndpoints(records, AdaptPipelineITCase.SMALL)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            AdaptPipeline.build(env, io.endpoints(), config, initial);
            env.execute("graph-test");

            List<Prediction> predictions = io.predictions();
            assertThat(predictions).extracting(Prediction::id)
                    .containsExactlyInAnyOrderElementsOf(events.stream().map(ImageEvent::id).toList());
            assertThat(io.deadLetters()).extracting(DeadLetter::reason)
                    .containsExactlyInAnyOrder(Reason.BAD_MAGIC, Reason.BAD_SHAPE, Reason.LABEL_OUT_OF_RANGE);
            assertThat(io.deadLetters()).extracting(DeadLetter::offset).containsExactlyInAnyOrder(40L, 80L, 120L);

            // 80 labelled events: 10 steps of 8, a version every 2 steps, and the rest published when the input ends.
            long labelled = events.stream().filter(ImageEvent::labeled).count();
            List<Long> versions = io.models().stream().map(ModelUpdate::modelVersion).toList();
            assertThat(versions).hasSizeGreaterThanOrEqualTo((int) (labelled / 8 / 2)).isSorted().doesNotHaveDuplicates();
            assertThat(predictions).allSatisfy(p -> assertThat(p.modelVersion()).isLessThanOrEqualTo(versions.get(versions.size() - 1)));

            // The windows account for every prediction, dead letter and prequential score, each exactly once.
            List<MetricsWindow> windows = io.metrics();
            assertThat(windows.stream().map(MetricsWindow::windowStart).distinct().count()).isGreaterThan(1);
            assertThat(windows.stream().mapToLong(MetricsWindow::count).sum()).isEqualTo(events.size());
            assertThat(windows.stream().mapToLong(MetricsWindow::deadLetters).sum()).isEqualTo(3);
            assertThat(windows.stream().mapToLong(w -> w.perExitLabeled()[0]).sum()).isEqualTo(labelled);
            assertThat(windows.stream().flatMapToLong(w -> Arrays.stream(w.exitHistogram())).sum()).isEqualTo(events.size());
        }
    }

    /**
     * The learner's step must not stop the source: it never shares a task (thread) with it, and with a group name of
     * its own it also gets slots of its own, where a cluster can give it a TaskManager of its own.
     */
    @Test
    void theLearnerRunsInATaskOfItsOwnInTheSlotSharingGroupItIsGiven() throws Exception {
        byte[] initial = ModelFile.toBytes(MultiExitModel.create(AdaptPipelineITCase.SMALL, 0), false);
        PipelineConfig defaults = AdaptOptions.pipeline(AdaptOptions.declare().parse(new String[0]), 4);
        PipelineConfig ownSlots = AdaptOptions.pipeline(AdaptOptions.declare().parse(new String[] {
                "--learner-slot-group", "learner", "--learner-threads", "1", "--learner-time-share", "0.25", "--learner-nice", "7",
                "--learner-step-thread", "task", "--learner-idle-threads", "2"}), 4);
        assertThat(ownSlots.learnerBudget()).isEqualTo(new byot.stream.jobs.operators.LearnerBudget(1, 0.25, 7, false, 2));
        assertThat(defaults.learnerBudget().ownThread()).as("steps off the learner's task thread by default").isTrue();
        assertThat(defaults.learnerBudget().idleThreads()).as("every core when the machine is idle, by default").isZero();

        for (PipelineConfig config : List.of(defaults, ownSlots)) {
            try (FiniteEndpoints io = new FiniteEndpoints(List.of(), AdaptPipelineITCase.SMALL)) {
                StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
                env.setParallelism(1);
                AdaptPipeline.build(env, io.endpoints(), config, initial);
                StreamGraph graph = env.getStreamGraph();
                StreamNode learner = graph.getStreamNodes().stream().filter(n -> n.getOperatorName().equals("fine-tune"))
                        .findFirst().orElseThrow();
                StreamNode inference = graph.getStreamNodes().stream().filter(n -> n.getOperatorName().equals("early-exit"))
                        .findFirst().orElseThrow();
                assertThat(learner.getSlotSharingGroup()).isEqualTo(config.learnerSlotGroup());
                assertThat(inference.getSlotSharingGroup()).isEqualTo(PipelineConfig.SHARED_SLOTS);

                JobGraph job = graph.getJobGraph();
                JobVertex learnerTask = StreamSupport.stream(job.getVertices().spliterator(), false)
                        .filter(v -> v.getName().contains("fine-tune")).findFirst().orElseThrow();
                assertThat(learnerTask.getName()).doesNotContain("images").doesNotContain("route");
                JobVertex sourceTask = StreamSupport.stream(job.getVertices().spliterator(), false)
                        .filter(v -> v.getName().contains("images")).findFirst().orElseThrow();
                assertThat(learnerTask.getSlotSharingGroup().equals(sourceTask.getSlotSharingGroup()))
                        .isEqualTo(config.learnerSlotGroup().equals(PipelineConfig.SHARED_SLOTS));
            }
        }
    }
}
