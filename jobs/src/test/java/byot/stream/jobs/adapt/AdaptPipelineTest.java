package byot.stream.jobs.adapt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdaptPipelineTest {

    private static final long ARRIVAL = 1_800_000_000_000L;
    private final EventTimeBounds bounds = EventTimeBounds.defaults();

    @Test
    void eventTimesNearArrivalAreKept() {
        assertThat(bounds.clamp(ARRIVAL - 500, ARRIVAL)).isEqualTo(ARRIVAL - 500);
        assertThat(bounds.clamp(ARRIVAL + 59_000, ARRIVAL)).isEqualTo(ARRIVAL + 59_000);
        assertThat(bounds.clamp(ARRIVAL - 3_599_000, ARRIVAL)).isEqualTo(ARRIVAL - 3_599_000);
    }

    @Test
    void aCameraClockInTheFutureOrThePastIsClampedToTheNearestBound() {
        long year2100 = 4_102_444_800_000L;
        assertThat(bounds.clamp(year2100, ARRIVAL)).isEqualTo(ARRIVAL + 60_000);
        assertThat(bounds.clamp(1, ARRIVAL)).isEqualTo(ARRIVAL - 3_600_000);
        assertThat(bounds.clamp(Long.MIN_VALUE, ARRIVAL)).isEqualTo(ARRIVAL - 3_600_000);
        assertThat(bounds.clamp(Long.MAX_VALUE, ARRIVAL)).isEqualTo(ARRIVAL + 60_000);
    }

    @Test
    void boundsThatWouldStampSinkRecordsNearTheBrokersLimitAreRefused() {
        assertThatThrownBy(() -> new EventTimeBounds(Duration.ZERO, Duration.ofMinutes(45)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broker");
        assertThatThrownBy(() -> new EventTimeBounds(Duration.ofSeconds(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The count is checked where the model's exits are known, so flink run, byot run and the tools all get it. */
    @Test
    void aThresholdListThatDoesNotFitTheModelIsRefusedWhenTheJobIsBuilt() throws Exception {
        byte[] model = byot.stream.model.io.ModelFile.toBytes(
                byot.stream.model.MultiExitModel.create(AdaptPipelineITCase.SMALL, 0), false);
        PipelineConfig twoThresholds = new PipelineConfig(
                new byot.stream.jobs.operators.InferenceConfig(16, 5, byot.stream.model.exit.ExitCriterion.MAX_SOFTMAX,
                        new double[] {0.9, 0.9}),
                byot.stream.jobs.FineTuning.byot(100, 1, 1), 1, Duration.ofSeconds(1), Duration.ofSeconds(1));
        var env = org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> AdaptPipeline.build(env, null, twoThresholds, model))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 3 thresholds");
    }

    @Test
    void trainingAndFineTuningDeclareTheLossWeightsOnce() {
        var run = AdaptOptions.declare().parse(new String[0]);
        var defaults = byot.stream.model.loss.DistillationConfig.defaults(byot.stream.model.loss.TrainingMode.BYOT);
        assertThat(byot.stream.jobs.config.DistillationOptions.config(run.configuration(), byot.stream.model.loss.TrainingMode.BYOT, 0))
                .isEqualTo(defaults);
    }

    /** On by default (a class-incremental stream must not teach the newest class's prior); 0 is plain cross-entropy. */
    @Test
    void logitAdjustmentIsOnByDefaultAndZeroSwitchesItOff() {
        var defaults = AdaptOptions.declare().parse(new String[0]).configuration();
        assertThat(AdaptOptions.pipeline(defaults, 4).adapt().logitAdjustment())
                .isEqualTo(new byot.stream.model.loss.LogitAdjustment(1.0));
        var off = AdaptOptions.declare().parse(new String[] {"--logit-adjustment", "0"}).configuration();
        assertThat(AdaptOptions.pipeline(off, 4).adapt().logitAdjustment().enabled()).isFalse();
        assertThatThrownBy(() -> AdaptOptions.declare().parse(new String[] {"--logit-adjustment", "-1"}).configuration())
                .hasMessageContaining("--logit-adjustment").hasMessageContaining("at least 0");
    }
}
