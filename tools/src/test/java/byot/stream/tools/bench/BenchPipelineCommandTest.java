package byot.stream.tools.bench;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.adapt.PipelineConfig;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.operators.LearnerTime;
import byot.stream.tools.pipeline.LocalPipeline;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class BenchPipelineCommandTest {

    @Test
    void forcedFullDepthNeverExitsEarlyAndItsLearnerCalibratesNoThresholds() {
        BenchPipelineCommand bench = new BenchPipelineCommand();
        PipelineConfig pipeline = AdaptOptions.pipeline(
                bench.options().parse(new String[] {"--thresholds", "0.5,0.6,0.7", "--model-swap-thread", "task"}), 4);

        PipelineConfig full = BenchPipelineCommand.forcedFullDepth(pipeline);

        // Calibration is on by default; a version published with calibrated thresholds would be served with them.
        assertThat(pipeline.drift().calibration().enabled()).isTrue();
        assertThat(full.drift().calibration().enabled()).isFalse();
        assertThat(full.inference().thresholds()).hasSize(3).containsOnly(Double.POSITIVE_INFINITY);
        assertThat(full.inference().ownSwapThread()).isFalse();
        assertThat(full.inference().maxBatch()).isEqualTo(pipeline.inference().maxBatch());
        assertThat(full.adapt()).isEqualTo(pipeline.adapt());
        assertThat(full.drift().detector()).isEqualTo(pipeline.drift().detector());
    }

    @Test
    void accuracyCountsOnlyTheAnswersToLabelledEventsOfEveryRun() {
        BenchPipelineCommand.Phase first = phase(answer("a", 3, 3), answer("b", 1, 2), answer("c", 5, null));
        BenchPipelineCommand.Phase second = phase(answer("d", 0, 0), answer("e", 4, null));

        assertThat(BenchPipelineCommand.accuracy(List.of(first, second))).hasValue(2.0 / 3);
        assertThat(BenchPipelineCommand.accuracy(List.of(phase(answer("f", 1, null))))).isEmpty();
    }

    private static Prediction answer(String id, int predicted, Integer label) {
        return new Prediction(id, "camera-0", predicted, 0.9, 1, new double[] {0.9}, 1, 0, 10, label);
    }

    private static BenchPipelineCommand.Phase phase(Prediction... answers) {
        return phase(new LocalPipeline.LearnerWork(0, Map.of()), answers);
    }

    /** A phase whose savepoint completed as the last answer was emitted. */
    private static BenchPipelineCommand.Phase phase(LocalPipeline.LearnerWork learner, Prediction... answers) {
        long last = java.util.Arrays.stream(answers).mapToLong(p -> p.eventTime() + p.latencyMs()).max().orElse(0);
        return phase(learner, last, answers);
    }

    private static BenchPipelineCommand.Phase phase(LocalPipeline.LearnerWork learner, long stoppedAt, Prediction... answers) {
        return new BenchPipelineCommand.Phase(List.of(answers), List.of(), JitWarmUp.Result.NONE, learner, stoppedAt, "models");
    }

    /** Steps a lagging learner takes after the last answer are counted until the savepoint: so is their time. */
    @Test
    void theLearnersRateIsOverTheTimeItsStepsWereCountedIn() {
        Prediction first = new Prediction("a", "camera-0", 1, 0.9, 1, new double[] {0.9}, 1, 0, 10, 1);
        Prediction last = new Prediction("b", "camera-0", 1, 0.9, 1, new double[] {0.9}, 1, 2_000, 10, 1);
        LocalPipeline.LearnerWork learner = new LocalPipeline.LearnerWork(10, Map.of(
                LearnerTime.Work.STEP, new LearnerTime.Totals(10, 1_000_000_000L, 10, 800_000_000L)));

        BenchPipelineCommand.Phase phase = phase(learner, 4_010, first, last);

        assertThat(phase.learnerSeconds()).isEqualTo(4.0);
        assertThat(phase.stepsPerSecond()).isEqualTo(2.5);
        assertThat(BenchPipelineCommand.learnerTime(phase)).containsEntry("cores", 0.2);
    }

    @Test
    void learnerTimeIsMeanMillisecondsPerComputationAndCoresOverThePhasesSpan() {
        // Answers emitted (event time + latency) from 10 ms to 2,010 ms: a 2-second span.
        Prediction first = new Prediction("a", "camera-0", 1, 0.9, 1, new double[] {0.9}, 1, 0, 10, 1);
        Prediction last = new Prediction("b", "camera-0", 1, 0.9, 1, new double[] {0.9}, 1, 2_000, 10, 1);
        LocalPipeline.LearnerWork learner = new LocalPipeline.LearnerWork(10, Map.of(
                LearnerTime.Work.STEP, new LearnerTime.Totals(10, 1_000_000_000L, 10, 600_000_000L),
                LearnerTime.Work.GATE, new LearnerTime.Totals(1, 300_000_000L, 1, 200_000_000L)));

        Map<String, Object> time = BenchPipelineCommand.learnerTime(phase(learner, first, last));

        assertThat(time).containsEntry("stepsComputed", 10L).containsEntry("stepMs", 100.0).containsEntry("stepCpuMs", 60.0)
                .containsEntry("gateJudgements", 1L).containsEntry("gateMs", 300.0).containsEntry("gateCpuMs", 200.0)
                .containsEntry("cores", 0.4);
    }

    @Test
    void learnerTimeWithoutMeasuredCpuSaysSo() {
        Prediction only = answer("a", 1, 1);
        LocalPipeline.LearnerWork inline = new LocalPipeline.LearnerWork(2, Map.of(
                LearnerTime.Work.STEP, new LearnerTime.Totals(2, 100_000_000L, 0, 0)));

        Map<String, Object> time = BenchPipelineCommand.learnerTime(phase(inline, only));

        assertThat(time).containsEntry("stepMs", 50.0).containsEntry("stepCpuMs", null)
                .containsEntry("gateJudgements", 0L).containsEntry("gateMs", null).containsEntry("cores", null);
    }

    @Test
    void latencyAtHalfLoadReportsNearestRankQuantilesAndTheMaximum() {
        // 1..1000 ms shuffled: the 500th and 990th smallest, not interpolated.
        LongStream latencies = LongStream.rangeClosed(1, 1000).map(i -> (i * 7919) % 1000 + 1);
        assertThat(BenchPipelineCommand.latencyAtHalfLoad(369, latencies))
                .containsExactly(entry("rate", 369L), entry("p50Ms", 500L),
                        entry("p99Ms", 990L), entry("maxMs", 1000L));
    }

    @Test
    void latenciesOfSecondsStayExact() {
        assertThat(BenchPipelineCommand.latencyAtHalfLoad(10, LongStream.of(12_345, 23_456, 31_999)))
                .containsEntry("p50Ms", 23_456L).containsEntry("maxMs", 31_999L);
    }

    @Test
    void noLatenciesGiveZeros() {
        assertThat(BenchPipelineCommand.latencyAtHalfLoad(10, LongStream.empty()))
                .containsEntry("p50Ms", 0L).containsEntry("p99Ms", 0L).containsEntry("maxMs", 0L);
    }
}
