package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.DriftAlarm;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.operators.drift.DetectorKind;
import byot.stream.jobs.operators.drift.DriftAwareness;
import byot.stream.jobs.operators.drift.DriftConfig;
import byot.stream.model.input.InputAlignment;
import byot.stream.model.io.ModelFile;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** A stream whose images turn into their negatives: the learner maps them back, and inference answers them mapped. */
class InputAlignmentOperatorsTest {

    private static final int BEFORE = 640;

    private static DriftConfig drift(DriftConfig.Alignment alignment) {
        return new DriftConfig(DetectorKind.ADWIN, 0.002, 200, new DriftConfig.Regime(1, 0.5),
                new DriftConfig.Calibration(true, 0.005, 0.0, 200, 80, 40), 0.05, alignment);
    }

    /** Class k is a bright band at rows 2k on a dark background; after {@link #BEFORE} events, the same as negatives. */
    private static List<ImageEvent> stream() {
        List<ImageEvent> out = new ArrayList<>(SyntheticImages.events(BEFORE, 10, 1.0, false, 3, "plain-", 1_000L));
        out.addAll(SyntheticImages.events(320, 10, 1.0, true, 4, "negative-", 1_000L + BEFORE * 10L));
        return out;
    }

    @Test
    void negativesAreNoticedMappedBackAndServedWithTheWeightsAlreadyServed() throws Exception {
        List<ImageEvent> events = stream();
        try (var h = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(new FineTuneOperator(FineTuning.byot(256, 5, 3600, 7),
                FineTuneOperatorTest.INITIAL, drift(DriftConfig.Alignment.defaults()), DriftAwareOperatorsTest.SERVED))) {
            h.open();
            FineTuneOperatorTest.feed(h, events.subList(0, BEFORE));
            assertThat(alarms(h)).as("alarms before the negatives").isEmpty();
            List<ModelUpdate> before = new ArrayList<>(h.extractOutputValues());
            ModelUpdate lastBefore = before.get(before.size() - 1);
            assertThat(ModelFile.inputAlignment(lastBefore.payload()).orElseThrow().domains())
                    .as("the reference domain, learned from the first events, travels with every version").hasSize(1);

            FineTuneOperatorTest.feed(h, events.subList(BEFORE, events.size()));
            DriftAlarm first = alarms(h).get(0);
            assertThat(first.detector()).isEqualTo(DriftAwareness.INPUT_DOMAIN);
            assertThat(first.eventId()).startsWith("negative-");
            assertThat(Integer.parseInt(first.eventId().substring("negative-".length())))
                    .as("negatives seen when the alarm went off").isLessThan(byot.stream.jobs.operators.drift.InputAligner.MEMORY);
            assertThat(first.exits()).containsExactly(1, 2, 3, 4);
            assertThat(first.untrustedExits()).isEmpty();

            // The next version is the served weights again, now with the map back: published before any step since.
            ModelUpdate mapped = h.extractOutputValues().get(before.size());
            InputAlignment alignment = ModelFile.inputAlignment(mapped.payload()).orElseThrow();
            assertThat(alignment.domains()).hasSize(2);
            assertThat(alignment.domains().get(1).gain()).as("polarity reversed").isNegative();
            assertThat(mapped.modelVersion()).isEqualTo(lastBefore.modelVersion() + 1);
            assertThat(ModelFile.weightsChecksum(ModelFile.fromBytes(mapped.payload())))
                    .isEqualTo(ModelFile.weightsChecksum(ModelFile.fromBytes(lastBefore.payload())));
            // Versions after it keep the map.
            List<ModelUpdate> all = h.extractOutputValues();
            assertThat(ModelFile.inputAlignment(all.get(all.size() - 1).payload())).contains(alignment);

            // Inference with that version answers a negative as the version before answered the plain image.
            List<ImageEvent> plain = SyntheticImages.events(16, 10, 1.0, false, 9, "p-", 1L);
            List<ImageEvent> negatives = SyntheticImages.events(16, 10, 1.0, true, 9, "n-", 1L);
            List<Prediction> plainAnswers = answers(lastBefore, plain);
            List<Prediction> negativeAnswers = answers(mapped, negatives);
            for (int i = 0; i < plain.size(); i++) {
                assertThat(negativeAnswers.get(i).predictedClass()).isEqualTo(plainAnswers.get(i).predictedClass());
                assertThat(negativeAnswers.get(i).confidence()).isCloseTo(plainAnswers.get(i).confidence(),
                        org.assertj.core.data.Offset.offset(1e-4));
            }
            long right = java.util.stream.IntStream.range(0, plain.size())
                    .filter(i -> plainAnswers.get(i).predictedClass() == SyntheticImages.trueClass(plain.get(i), false)).count();
            assertThat(right).as("the served version had learned the plain images").isGreaterThan(12);
        }
    }

    @Test
    void withAlignmentOffNegativesAreLeftToTheLearner() throws Exception {
        try (var h = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(new FineTuneOperator(FineTuning.byot(256, 5, 3600, 7),
                FineTuneOperatorTest.INITIAL, drift(DriftConfig.Alignment.off()), DriftAwareOperatorsTest.SERVED))) {
            h.open();
            FineTuneOperatorTest.feed(h, stream());
            assertThat(alarms(h)).noneMatch(a -> a.detector().equals(DriftAwareness.INPUT_DOMAIN));
            assertThat(h.extractOutputValues()).allSatisfy(u -> assertThat(ModelFile.inputAlignment(u.payload())).isEmpty());
        }
    }

    private static List<Prediction> answers(ModelUpdate version, List<ImageEvent> events) throws Exception {
        InferenceConfig config = new InferenceConfig(4, 60_000, byot.stream.model.exit.ExitCriterion.MAX_SOFTMAX,
                new double[] {0.5, 0.5, 0.5}, 8 << 20).onTaskThread();
        try (var h = new TwoInputStreamOperatorTestHarness<ImageEvent, ModelUpdate, Prediction>(new EarlyExitOperator(config,
                version.payload()))) {
            h.open();
            for (ImageEvent e : events) {
                h.processElement1(e, e.eventTimeMillis());
            }
            h.endInput1();
            return h.extractOutputValues();
        }
    }

    private static List<DriftAlarm> alarms(OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> h) {
        var out = h.getSideOutput(FineTuneOperator.DRIFT_ALARMS);
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
    }
}
