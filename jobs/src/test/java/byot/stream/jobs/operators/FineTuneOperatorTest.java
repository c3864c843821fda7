package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.model.MultiExitModel;
import byot.stream.model.graph.Parameters;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.SgdConfig;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.junit.jupiter.api.Test;

class FineTuneOperatorTest {

    static final ModelSpec SPEC = ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625);
    static final byte[] INITIAL = ModelFile.toBytes(MultiExitModel.create(SPEC, 0), false);
    static final AdaptConfig CONFIG = FineTuning.byot(64, 1, 3600, 7);

    private final List<ImageEvent> events = SyntheticImages.events(40, 10, 1.0, false, 3, "e-", 1_000L);

    @Test
    void publishesAVersionPerStepAndScoresEventsBeforeTrainingOnThem() throws Exception {
        try (var harness = harness()) {
            harness.open();
            feed(harness, events.subList(0, 24));
            List<ModelUpdate> updates = harness.extractOutputValues();
            assertThat(updates).extracting(ModelUpdate::modelVersion).containsExactly(1L, 2L, 3L);
            assertThat(ModelFile.fromBytes(updates.get(2).payload()).step()).isEqualTo(3);
            var scores = harness.getSideOutput(FineTuneOperator.SCORES);
            assertThat(scores).hasSize(24);
            // The first step's events were judged by version 0, the model before any training.
            assertThat(scores.stream().limit(8)).allMatch(r -> r.getValue().modelVersion() == 0);
            assertThat(scores.stream().skip(16)).allMatch(r -> r.getValue().modelVersion() == 2 && r.getValue().correct().length == 4);
        }
    }

    @Test
    void watermarkWaitsForScoresOfPendingEvents() throws Exception {
        try (var harness = harness()) {
            harness.open();
            feed(harness, events.subList(0, 4)); // event times 1000..1030, not yet a step
            harness.processWatermark(new org.apache.flink.streaming.api.watermark.Watermark(5_000));
            assertThat(watermarks(harness)).containsExactly(999L);
            feed(harness, events.subList(4, 8)); // the step scores all eight, then the watermark may pass
            assertThat(watermarks(harness)).containsExactly(999L, 5_000L);
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).allMatch(r -> r.getTimestamp() > 999);
        }
    }

    /** Labels that stop short of a batch must not hold the job's event time (and its metrics windows) for ever. */
    @Test
    void labelledEventsThatWaitAPublicationIntervalAreSteppedOnHoweverFew() throws Exception {
        AdaptConfig everyThirtySeconds = FineTuning.byot(64, 10, 30, 7);
        try (var harness = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(new FineTuneOperator(everyThirtySeconds, INITIAL))) {
            harness.open();
            feed(harness, events.subList(0, 3)); // event times 1000..1020: fewer than the 8 a step takes
            harness.processWatermark(new org.apache.flink.streaming.api.watermark.Watermark(3_600_000));
            assertThat(watermarks(harness)).containsExactly(999L);
            harness.setProcessingTime(29_000);
            assertThat(watermarks(harness)).as("not before the interval").containsExactly(999L);
            harness.setProcessingTime(31_000);
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).as("the three were learned from").hasSize(3);
            assertThat(watermarks(harness)).containsExactly(999L, 3_600_000L);
        }
    }

    /**
     * When every source goes idle the learner's input goes idle too, and an idle input stops counting downstream: the
     * learner says so only after the waiting events' scores are out, or the metrics windows close without them.
     */
    @Test
    void idlenessIsForwardedOnlyOnceNoEventWaitsForItsStep() throws Exception {
        AdaptConfig everyThirtySeconds = FineTuning.byot(64, 10, 30, 7);
        try (var harness = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(new FineTuneOperator(everyThirtySeconds, INITIAL))) {
            harness.open();
            feed(harness, events.subList(0, 3));
            harness.processWatermark(new org.apache.flink.streaming.api.watermark.Watermark(3_600_000));
            harness.processWatermarkStatus(WatermarkStatus.IDLE);
            assertThat(statuses(harness)).as("three events still wait for their step").isEmpty();
            harness.setProcessingTime(31_000);
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).hasSize(3);
            List<Object> output = List.copyOf(harness.getOutput());
            int released = output.indexOf(new org.apache.flink.streaming.api.watermark.Watermark(3_600_000));
            assertThat(released).as("the watermark, then the idleness").isNotNegative().isLessThan(output.indexOf(WatermarkStatus.IDLE));
            harness.processWatermarkStatus(WatermarkStatus.ACTIVE);
            assertThat(statuses(harness)).containsExactly(WatermarkStatus.IDLE, WatermarkStatus.ACTIVE);
        }
    }

    private static List<WatermarkStatus> statuses(OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> h) {
        return h.getOutput().stream().filter(o -> o instanceof WatermarkStatus).map(o -> (WatermarkStatus) o).toList();
    }

    private static List<Long> watermarks(OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> h) {
        return h.getOutput().stream().filter(o -> o instanceof org.apache.flink.streaming.api.watermark.Watermark)
                .map(o -> ((org.apache.flink.streaming.api.watermark.Watermark) o).getTimestamp()).toList();
    }

    @Test
    void stepsArePublishedAfterTheIntervalEvenWhenLabelsStop() throws Exception {
        AdaptConfig everyTenSteps = FineTuning.byot(64, 10, 30, 7);
        try (var harness = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(new FineTuneOperator(everyTenSteps, INITIAL))) {
            harness.open();
            feed(harness, events.subList(0, 16)); // two steps, fewer than ten
            assertThat(harness.extractOutputValues()).isEmpty();
            harness.setProcessingTime(31_000);
            assertThat(harness.extractOutputValues()).extracting(ModelUpdate::modelVersion).containsExactly(1L);
        }
    }

    @Test
    void unlabelledEventsAreNotLearnedFrom() throws Exception {
        try (var harness = harness()) {
            harness.open();
            feed(harness, SyntheticImages.events(40, 10, 0.0, false, 3, "u-", 1_000L));
            harness.endInput();
            assertThat(harness.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void restoredLearnerContinuesExactlyWhereTheSnapshotStood() throws Exception {
        OperatorSubtaskState snapshot;
        List<ModelUpdate> uninterrupted;
        try (var original = harness()) {
            original.open();
            feed(original, events.subList(0, 20)); // two steps, four events pending
            snapshot = original.snapshot(1, 20_000);
            feed(original, events.subList(20, 40));
            uninterrupted = original.extractOutputValues();
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            feed(restored, events.subList(20, 40));
            List<ModelUpdate> resumed = restored.extractOutputValues();
            // The first event announces the restored model (version 2 again, same weights) before it is learned from.
            assertThat(resumed).extracting(ModelUpdate::modelVersion).containsExactly(2L, 3L, 4L, 5L);
            List<ModelUpdate> tail = uninterrupted.subList(1, 5);
            for (int i = 0; i < 4; i++) {
                assertThat(ModelFile.weightsChecksum(ModelFile.fromBytes(resumed.get(i).payload())))
                        .as("weights of version %d", resumed.get(i).modelVersion())
                        .isEqualTo(ModelFile.weightsChecksum(ModelFile.fromBytes(tail.get(i).payload())));
            }
        }
    }

    /**
     * A learning rate that blows the weights past what a float holds: the loss turns non-finite. (At 1e12 the
     * weights grow huge but finite, and batch norm's two-pass statistics keep the activations finite.) The learner used to throw, fail the job,
     * and replay the same batch into the same failure after every restore. Now the step is skipped, its events
     * are dead letters, and nothing non-finite is ever published.
     */
    @Test
    void aDivergingLearnerSkipsNonFiniteStepsAndNeverPublishesNonFiniteWeights() throws Exception {
        AdaptConfig exploding = new AdaptConfig(CONFIG.distillation(), SgdConfig.constantRate(1e36, 0.9, 0),
                CONFIG.batching(), CONFIG.publishing(), 7);
        try (var harness = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(new FineTuneOperator(exploding, INITIAL))) {
            harness.open();
            feed(harness, events);
            harness.endInput();

            var dead = harness.getSideOutput(FineTuneOperator.DEAD_LETTERS);
            assertThat(dead).as("events of skipped steps").isNotEmpty();
            assertThat(dead).allSatisfy(r -> {
                DeadLetter d = r.getValue();
                assertThat(d.reason()).isEqualTo(Reason.NON_FINITE_LOSS);
                assertThat(d.topic()).isEqualTo(DeadLetter.FINE_TUNE);
                assertThat(new ImageEventCodec(ImageLimits.DEFAULT).decode(d.original()).id()).startsWith("e-");
            });
            for (ModelUpdate update : harness.extractOutputValues()) {
                assertThat(ModelFile.fromBytes(update.payload()).parameters().firstNonFinite())
                        .as("weights of published version %d", update.modelVersion()).isEmpty();
            }
            assertThat(harness.extractOutputValues()).extracting(ModelUpdate::modelVersion).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void aModelThatIsAlreadyNonFiniteLearnsNothingAndPublishesNothing() throws Exception {
        MultiExitModel broken = MultiExitModel.create(SPEC, 0);
        broken.parameters().view(Parameters.Kind.WEIGHT).values().iterator().next().putScalar(0, Float.NaN);
        byte[] nan = ModelFile.toBytes(broken, false);
        try (var harness = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(new FineTuneOperator(CONFIG, nan))) {
            harness.open();
            feed(harness, events.subList(0, 24));
            harness.endInput();
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.getSideOutput(FineTuneOperator.DEAD_LETTERS)).hasSize(24);
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).isNullOrEmpty();
        }
    }

    /**
     * A camera clock in 2100: the source clamps the event's Flink timestamp, and its score must carry that timestamp,
     * not the raw one, or it would open a metrics window a century ahead that the broker refuses to store.
     */
    @Test
    void scoresAndTheWatermarkHoldUseTheClampedTimestampNotTheCamerasClock() throws Exception {
        long year2100 = 4_102_444_800_000L;
        try (var harness = harness()) {
            harness.open();
            for (int i = 0; i < 8; i++) {
                ImageEvent e = events.get(i);
                ImageEvent skewed = new ImageEvent(e.id(), year2100, e.sourceId(), e.label(), e.height(), e.width(), e.channels(),
                        e.encoding(), e.pixels());
                harness.processElement(skewed, 5_000L + i);
                if (i == 3) {
                    harness.processWatermark(new org.apache.flink.streaming.api.watermark.Watermark(6_000));
                    assertThat(watermarks(harness)).as("held behind the oldest pending timestamp").containsExactly(4_999L);
                }
            }
            var scores = harness.getSideOutput(FineTuneOperator.SCORES);
            assertThat(scores).hasSize(8);
            assertThat(scores).allSatisfy(r -> {
                assertThat(r.getTimestamp()).isBetween(5_000L, 5_007L);
                assertThat(r.getValue().eventTime()).isEqualTo(year2100);
            });
        }
    }

    private static OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> harness() throws Exception {
        return harness(LearnerBudget.UNBOUNDED);
    }

    /** A learner on {@link #CONFIG} and {@link #INITIAL} with {@code budget}. */
    static OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> harness(LearnerBudget budget) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new FineTuneOperator(CONFIG, budget, INITIAL));
    }

    /** Each event with its event time as the record's timestamp, as the source stamps them. */
    static void feed(OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> h, List<ImageEvent> batch) throws Exception {
        for (ImageEvent e : batch) {
            h.processElement(e, e.eventTimeMillis());
        }
    }
}
