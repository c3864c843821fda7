package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.PixelEncoding;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.SyntheticImages;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.graph.Parameters;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class EarlyExitOperatorTest {

    static final ModelSpec SPEC = FineTuneOperatorTest.SPEC;
    /** Updates swapped in where they arrive, so a test sees each one in force right after handing it over. */
    static final InferenceConfig CONFIG = new InferenceConfig(4, 60_000, ExitCriterion.MAX_SOFTMAX, new double[] {0.5, 0.5, 0.5},
            8 << 20).onTaskThread();
    /** The job's default: updates prepared on a thread of the operator's own. */
    static final InferenceConfig OWN_THREAD = new InferenceConfig(4, 60_000, ExitCriterion.MAX_SOFTMAX, new double[] {0.5, 0.5, 0.5},
            8 << 20);

    private final List<ImageEvent> events = SyntheticImages.events(10, 10, 0.5, false, 5, "i-", 1_000L);

    @Test
    void swapsModelsBetweenBatchesWithoutDroppingEvents() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, events.subList(0, 3)); // buffered: fewer than a batch
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement2(update(1, SPEC, 1), 2_000);
            feed(h, events.subList(3, 10));
            h.endInput1();
            List<Prediction> out = h.extractOutputValues();
            assertThat(out).extracting(Prediction::id).containsExactlyElementsOf(events.stream().map(ImageEvent::id).toList());
            assertThat(out.subList(0, 3)).allMatch(p -> p.modelVersion() == 0);
            assertThat(out.subList(3, 10)).allMatch(p -> p.modelVersion() == 1);
            assertThat(out).allMatch(p -> p.exitDepth() >= 1 && p.exitDepth() <= 4 && p.exitConfidences().length == p.exitDepth());
        }
    }

    @Test
    void refusesBadUpdatesAndKeepsServing() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement2(update(2, SPEC, 1), 1);
            byte[] corrupt = ModelFile.toBytes(MultiExitModel.create(SPEC, 3), false);
            corrupt[corrupt.length / 2] ^= 1;
            h.processElement2(new ModelUpdate(3, 0, "tampered", corrupt), 2);
            h.processElement2(update(4, ModelSpec.fashionMnist(Architecture.RESNET34, 0.0625), 1), 3);
            h.processElement2(update(1, SPEC, 4), 4);
            h.processElement2(update(2, SPEC, 5), 5);
            h.processElement2(new ModelUpdate(6, 0, "oversized", new byte[CONFIG.maxModelBytes() + 1]), 6);
            feed(h, events.subList(0, 4));
            assertThat(h.extractOutputValues()).hasSize(4).allMatch(p -> p.modelVersion() == 2);
            assertThat(((EarlyExitOperator) h.getOperator()).servedVersion()).isEqualTo(2);
            assertThat(((EarlyExitOperator) h.getOperator()).refusedUpdates()).isEqualTo(5);
        }
    }

    @Test
    void theLearnersReAnnouncementAfterARestoreIsNotARefusal() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement2(update(2, SPEC, 1), 1);
            h.processElement2(update(2, SPEC, 1), 2);   // same version and weights, newer bytes
            EarlyExitOperator op = (EarlyExitOperator) h.getOperator();
            assertThat(op.refusedUpdates()).isZero();
            h.processElement2(update(2, SPEC, 7), 3);   // same version, other weights
            assertThat(op.refusedUpdates()).isEqualTo(1);
            assertThat(op.servedVersion()).isEqualTo(2);
        }
    }

    @Test
    void restoreServesTheNewestModelAnyInstanceHad() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            h.processElement2(update(5, SPEC, 1), 1);
            snapshot = h.snapshot(1, 10);
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            feed(restored, events.subList(0, 4));
            assertThat(restored.extractOutputValues()).hasSize(4).allMatch(p -> p.modelVersion() == 5);
        }
    }

    /**
     * On its own thread an update is decoded while events keep coming: each event is answered exactly once, by the old
     * version until the new one is ready and by the new one after (never back), and a refused update is counted as
     * on the task thread.
     */
    @Test
    void updatesPreparedOnTheirOwnThreadSwapInBetweenBatches() throws Exception {
        try (var h = harness(OWN_THREAD)) {
            h.open();
            EarlyExitOperator op = (EarlyExitOperator) h.getOperator();
            h.processElement2(update(1, SPEC, 1), 1);
            h.processElement2(update(1, SPEC, 2), 2);  // not newer than version 1, once that is accepted
            feed(h, events);
            op.awaitPreparedUpdates();
            h.endInput1();
            List<Prediction> out = h.extractOutputValues();
            assertThat(out).extracting(Prediction::id).containsExactlyElementsOf(events.stream().map(ImageEvent::id).toList());
            List<Long> versions = out.stream().map(Prediction::modelVersion).toList();
            assertThat(versions).isSortedAccordingTo(Long::compare).allMatch(v -> v == 0 || v == 1);
            assertThat(op.servedVersion()).isEqualTo(1);
            assertThat(op.refusedUpdates()).isEqualTo(1);
        }
    }

    /**
     * An update received before a checkpoint is served after a restore from it, whether it had been swapped in by the
     * barrier or was still being prepared (then the checkpoint holds it, and the restored instance prepares it again).
     */
    @Test
    void anUpdateStillBeingPreparedAtACheckpointIsServedAfterARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(OWN_THREAD)) {
            h.open();
            h.processElement2(update(5, SPEC, 1), 1);
            h.processElement2(update(6, SPEC, 2), 2);
            snapshot = h.snapshot(1, 10);
        }
        try (var restored = harness(OWN_THREAD)) {
            restored.initializeState(snapshot);
            restored.open();
            feed(restored, events.subList(0, 4));
            assertThat(restored.extractOutputValues()).hasSize(4).allMatch(p -> p.modelVersion() == 6);
        }
    }

    @Test
    void aWaitingBatchIsAnsweredWhenItsTimeIsUp() throws Exception {
        try (var h = harness()) {
            h.open();
            feed(h, events.subList(0, 2));
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(60_001);
            assertThat(h.extractOutputValues()).hasSize(2);
        }
    }

    /** As a cluster runs it: Flink ships the operator serialized, and deserialising runs no transient field's initialiser. */
    @Test
    void aWaitingBatchIsAnsweredWhenItsTimeIsUpAfterTheOperatorWasShipped() throws Exception {
        EarlyExitOperator shipped = org.apache.flink.util.InstantiationUtil.clone(
                new EarlyExitOperator(CONFIG, ModelFile.toBytes(MultiExitModel.create(SPEC, 0), false)));
        try (var h = new TwoInputStreamOperatorTestHarness<ImageEvent, ModelUpdate, Prediction>(shipped)) {
            h.open();
            feed(h, events.subList(0, 2));
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(60_001);
            assertThat(h.extractOutputValues()).as("answered at --max-wait-ms, not at the next watermark").hasSize(2);
        }
    }

    @Test
    void anUpdateWithANonFiniteWeightIsRefused() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement2(new ModelUpdate(3, 0, SPEC.summary(), nanModel(3)), 1);
            EarlyExitOperator op = (EarlyExitOperator) h.getOperator();
            assertThat(op.refusedUpdates()).isEqualTo(1);
            assertThat(op.servedVersion()).isZero();
        }
    }

    /** A prediction must carry a confidence in [0, 1]; a NaN one used to throw in its constructor and fail the job. */
    @Test
    void eventsAModelCannotAnswerFiniteGoToTheDeadLetters() throws Exception {
        try (var h = new TwoInputStreamOperatorTestHarness<ImageEvent, ModelUpdate, Prediction>(new EarlyExitOperator(CONFIG, nanModel(0)))) {
            h.open();
            feed(h, events.subList(0, 4));
            assertThat(h.extractOutputValues()).isEmpty();
            var dead = h.getSideOutput(EarlyExitOperator.DEAD_LETTERS);
            assertThat(dead).hasSize(4).allSatisfy(r -> {
                assertThat(r.getValue().reason()).isEqualTo(Reason.NON_FINITE_OUTPUT);
                assertThat(r.getValue().topic()).isEqualTo(DeadLetter.EARLY_EXIT);
            });
            assertThat(dead).extracting(r -> r.getValue().originalLength()).allMatch(n -> n > 784);
        }
    }

    /** Latency is arrival minus event time: saturated for the earliest time there is, zero for a future one. */
    @Test
    void latencyOfAnEventFromTheFarPastOrTheFutureStaysOrdered() throws Exception {
        ImageEvent any = events.get(0);
        ImageEvent past = new ImageEvent("past", Long.MIN_VALUE, "cam", -1, 28, 28, 1, PixelEncoding.RAW_UINT8, any.pixels());
        ImageEvent future = new ImageEvent("future", Long.MAX_VALUE, "cam", -1, 28, 28, 1, PixelEncoding.RAW_UINT8, any.pixels());
        try (var h = harness()) {
            h.open();
            h.processElement1(past, 0);
            h.processElement1(future, 0);
            h.endInput1();
            assertThat(h.extractOutputValues()).extracting(Prediction::id, Prediction::latencyMs)
                    .containsExactly(tuple("past", Long.MAX_VALUE),
                            tuple("future", 0L));
        }
    }

    /**
     * A job that raises --max-pixel-bytes serves images above the default 1 MiB cap; the dead letter's copy of one
     * used to be encoded under the default caps, which threw and failed the task on every replay.
     */
    @Test
    void aDeadLetterCopiesAnImageAboveTheDefaultPixelCap() throws Exception {
        ModelSpec large = new ModelSpec(Architecture.RESNET18, new InputShape(1, 1030, 1030), 10, 0.0625,
                SPEC.pixelMean(), SPEC.pixelStd());
        byte[] pixels = new byte[1030 * 1030];
        assertThat(pixels.length).isGreaterThan(ImageLimits.DEFAULT_MAX_PIXEL_BYTES);
        ImageEvent big = new ImageEvent("big", 1_000, "cam", -1, 1030, 1030, 1, PixelEncoding.RAW_UINT8, pixels);
        try (var h = new TwoInputStreamOperatorTestHarness<ImageEvent, ModelUpdate, Prediction>(
                new EarlyExitOperator(CONFIG, nanModel(large, 0)))) {
            h.open();
            feed(h, List.of(big));
            h.endInput1();
            var dead = h.getSideOutput(EarlyExitOperator.DEAD_LETTERS);
            assertThat(dead).singleElement().satisfies(r -> {
                assertThat(r.getValue().reason()).isEqualTo(Reason.NON_FINITE_OUTPUT);
                assertThat(r.getValue().originalLength()).isGreaterThan(pixels.length);
            });
        }
    }

    private static byte[] nanModel(long version) {
        return nanModel(SPEC, version);
    }

    /** Every weight NaN: every confidence is NaN. */
    private static byte[] nanModel(ModelSpec spec, long version) {
        MultiExitModel m = MultiExitModel.create(spec, 0);
        m.setVersion(version);
        m.parameters().view(Parameters.Kind.WEIGHT).values().forEach(w -> w.assign(Float.NaN));
        return ModelFile.toBytes(m, false);
    }

    static ModelUpdate update(long version, ModelSpec spec, long seed) {
        MultiExitModel m = MultiExitModel.create(spec, seed);
        m.setVersion(version);
        return new ModelUpdate(version, 0, spec.summary(), ModelFile.toBytes(m, false));
    }

    private static TwoInputStreamOperatorTestHarness<ImageEvent, ModelUpdate, Prediction> harness() throws Exception {
        return harness(CONFIG);
    }

    private static TwoInputStreamOperatorTestHarness<ImageEvent, ModelUpdate, Prediction> harness(InferenceConfig config) throws Exception {
        return new TwoInputStreamOperatorTestHarness<>(new EarlyExitOperator(config, ModelFile.toBytes(MultiExitModel.create(SPEC, 0), false)));
    }

    private static void feed(TwoInputStreamOperatorTestHarness<ImageEvent, ModelUpdate, Prediction> h, List<ImageEvent> batch)
            throws Exception {
        for (ImageEvent e : batch) {
            h.processElement1(e, e.eventTimeMillis());
        }
    }
}
