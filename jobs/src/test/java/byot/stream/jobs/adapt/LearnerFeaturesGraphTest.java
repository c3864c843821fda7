package byot.stream.jobs.adapt;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.operators.AdaptConfig;
import byot.stream.jobs.operators.InferenceConfig;
import byot.stream.jobs.operators.LearnerTime;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.io.ModelFile;
import byot.stream.model.loss.UnlabelledDistillation;
import java.time.Duration;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The job graph with unlabelled self-distillation and the publish gate on, on a MiniCluster with finite endpoints:
 * the sampled unlabelled events and the gate's verdicts flow through a real job, held-out events are never scored
 * as trained-on, and every window still accounts for every prediction.
 */
class LearnerFeaturesGraphTest {

    @Test
    @Timeout(90)
    void runsWithUnlabelledLearningAndThePublishGate() throws Exception {
        long now = System.currentTimeMillis();
        List<ImageEvent> events = SyntheticImages.events(320, 10, 0.5, false, 1, "img-", now);
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        AdaptConfig base = FineTuning.byot(200, 2, 60);
        AdaptConfig adapt = new AdaptConfig(base.distillation(), base.sgd(), base.batching(), base.publishing(), base.seed(),
                new AdaptConfig.Unlabelled(0.5, new UnlabelledDistillation(0.5, 0.5)), new AdaptConfig.Gate(4, 16, 0.02));
        PipelineConfig config = new PipelineConfig(new InferenceConfig(16, 20, ExitCriterion.MAX_SOFTMAX, new double[] {0.9, 0.9, 0.9}),
                adapt, 2, Duration.ofSeconds(1), Duration.ofSeconds(1));
        byte[] initial = ModelFile.toBytes(MultiExitModel.create(AdaptPipelineITCase.SMALL, 0), false);

        try (FiniteEndpoints io = new FiniteEndpoints(events.stream().map(codec::encode).toList(), AdaptPipelineITCase.SMALL)) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            AdaptPipeline.build(env, io.endpoints(), config, initial);
            var result = env.execute("learner-features");

            assertThat(io.predictions()).extracting(Prediction::id)
                    .containsExactlyInAnyOrderElementsOf(events.stream().map(ImageEvent::id).toList());
            assertThat(io.models()).extracting(ModelUpdate::modelVersion).isNotEmpty().isSorted().doesNotHaveDuplicates();
            long labelled = events.stream().filter(ImageEvent::labeled).count();
            List<MetricsWindow> windows = io.metrics();
            assertThat(windows.stream().mapToLong(MetricsWindow::count).sum()).isEqualTo(events.size());
            // Every 4th labelled event is held out: only the others are scored (and trained on).
            assertThat(windows.stream().mapToLong(w -> w.perExitLabeled()[0]).sum()).isEqualTo(labelled - labelled / 4);
            // The gate judged candidates in the running job (its work is counted only when a holdout was scored).
            var work = LearnerTime.read(result.getAllAccumulatorResults());
            assertThat(work.get(LearnerTime.Work.GATE).count()).as("candidates judged by the publish gate").isPositive();
            assertThat(work.get(LearnerTime.Work.STEP).count()).isPositive();
        }
    }
}
