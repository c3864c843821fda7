package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.jobs.SyntheticImages;
import byot.stream.model.io.ModelFile;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.train.SgdConfig;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The publish gate: a candidate trained on a burst of wrong labels scores worse than the served version on the
 * held-out events, is not published, and the learner continues from the served weights.
 */
class PublishGateTest {

    /** Six steps of 8 new events between publications; every 4th labelled event is held out, the newest 64 judged. */
    private static final AdaptConfig.Gate GATE = new AdaptConfig.Gate(4, 64, 0.02);

    /** 512 correct events: 384 trained on (48 steps, 8 publications), 128 held out. */
    private final List<ImageEvent> clean = SyntheticImages.events(512, 10, 1.0, false, 3, "c-", 1_000L);
    /** 64 events whose label is the next class: 48 trained on (6 steps, one publication), 16 held out. */
    private final List<ImageEvent> burst = SyntheticImages.events(64, 10, 1.0, false, 9, "w-", 10_000L).stream()
            .map(e -> e.withLabel((e.label() + 1) % 10)).toList();
    private final List<ImageEvent> after = SyntheticImages.events(384, 10, 1.0, false, 11, "a-", 20_000L);

    @Test
    void aCandidateTrainedOnABurstOfWrongLabelsIsRefusedAndTheServedVersionStays() throws Exception {
        try (var harness = harness(GATE)) {
            harness.open();
            feed(harness, clean);
            List<ModelUpdate> beforeBurst = List.copyOf(harness.extractOutputValues());
            assertThat(beforeBurst).hasSize(8);
            List<GateVerdict> judged = verdicts(harness);
            assertThat(judged).last().satisfies(v -> {
                assertThat(v.published()).isTrue();
                assertThat(v.servedVersion()).isEqualTo(7);
                assertThat(v.candidateAccuracy()).as("the clean model learned the task").isGreaterThan(0.6);
            });

            feed(harness, burst);
            assertThat(harness.extractOutputValues()).as("nothing published during the burst").hasSize(8);
            GateVerdict refusal = verdicts(harness).get(judged.size());
            assertThat(refusal.published()).isFalse();
            assertThat(refusal.candidateVersion()).isEqualTo(9);
            assertThat(refusal.servedVersion()).isEqualTo(8);
            assertThat(refusal.candidateAccuracy()).isLessThan(refusal.servedAccuracy() - GATE.margin());

            // Training goes on from the served weights: the next candidate is judged against version 8 again and
            // published as 9, the version line unbroken.
            feed(harness, after);
            List<ModelUpdate> all = harness.extractOutputValues();
            assertThat(all).hasSizeGreaterThan(8);
            assertThat(all.get(8).modelVersion()).isEqualTo(9);
            assertThat(ModelFile.fromBytes(all.get(8).payload()).step())
                    .as("the refused candidate's 6 steps were dropped: 48 + 6 steps after them, not 60")
                    .isEqualTo(54);
        }
    }

    /** A verdict comes after the watermark already let through, or its metrics window has closed and drops it. */
    @Test
    void aVerdictIsNeverStampedBehindTheWatermarkLetThrough() throws Exception {
        try (var harness = harness(GATE)) {
            harness.open();
            feed(harness, clean);
            int before = harness.getSideOutput(FineTuneOperator.GATE).size();
            // Images went on without labels: event time moved far past the labelled events that follow.
            harness.processWatermark(new org.apache.flink.streaming.api.watermark.Watermark(5_000_000));
            feed(harness, burst);
            List<StreamRecord<GateVerdict>> late = harness.getSideOutput(FineTuneOperator.GATE).stream().skip(before).toList();
            assertThat(late).as("the burst's candidate was judged").isNotEmpty();
            assertThat(late).allSatisfy(r -> assertThat(r.getTimestamp()).isGreaterThan(5_000_000));
        }
    }

    /** A holdout too small to judge on scores nothing: it is not a judgement in the learner's time. */
    @Test
    void onlyJudgedCandidatesCountAsTheGatesWork() throws Exception {
        try (var harness = harness(GATE)) {
            harness.open();
            feed(harness, clean);
            List<GateVerdict> verdicts = verdicts(harness);
            long judged = verdicts.stream().filter(GateVerdict::judged).count();
            assertThat(judged).as("judged verdicts").isPositive().isLessThan(verdicts.size());
            var context = ((FineTuneOperator) harness.getOperator()).getRuntimeContext();
            assertThat(context.getAccumulator(LearnerTime.Work.GATE.accumulator(LearnerTime.COUNT)).getLocalValue()).isEqualTo(judged);
        }
    }

    @Test
    void withoutTheGateTheBurstIsPublished() throws Exception {
        try (var harness = harness(AdaptConfig.Gate.OFF)) {
            harness.open();
            feed(harness, clean);
            int before = harness.extractOutputValues().size();
            feed(harness, burst);
            assertThat(harness.extractOutputValues()).hasSizeGreaterThan(before);
            assertThat(verdicts(harness)).isEmpty();
        }
    }

    @Test
    void heldOutEventsAreNeverTrainedOn() throws Exception {
        try (var harness = harness(GATE)) {
            harness.open();
            feed(harness, clean.subList(0, 64));
            // 16 of 64 held out: 48 trained, in 6 steps, each scoring its 8 new events.
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).hasSize(48);
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).extracting(r -> r.getValue().id())
                    .doesNotContain("c-3", "c-7", "c-11");
        }
    }

    /** A refusal reaches the metrics window of the version that kept serving, and is not counted as a prediction. */
    @Test
    void refusalsAreCountedInTheMetricsWindow() {
        WindowStats stats = new WindowStats();
        stats.add(Observation.refused(new GateVerdict(9, 8, 0.3, 0.8, 64, false)), 4);
        WindowStats other = new WindowStats();
        other.add(Observation.refused(new GateVerdict(10, 8, 0.5, 0.8, 64, false)), 4);
        stats.merge(other, 4);
        assertThat(stats.publishesRefused).isEqualTo(2);
        assertThat(stats.count).isZero();
        assertThat(Observation.refused(new GateVerdict(9, 8, 0.3, 0.8, 64, false)).modelVersion()).isEqualTo(8);
    }

    @Test
    void refusesHoldingOutEveryEvent() {
        assertThatThrownBy(() -> new AdaptConfig.Gate(1, 64, 0.02)).hasMessageContaining("holdout-every");
    }

    private static OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> harness(AdaptConfig.Gate gate) throws Exception {
        AdaptConfig config = new AdaptConfig(DistillationConfig.defaults(TrainingMode.BYOT), SgdConfig.constantRate(0.05, 0.9, 5e-4),
                new AdaptConfig.Batching(8, 16, 256), new AdaptConfig.Publishing(6, 3600), 7, AdaptConfig.Unlabelled.OFF, gate);
        return new OneInputStreamOperatorTestHarness<>(new FineTuneOperator(config, FineTuneOperatorTest.INITIAL));
    }

    private static List<GateVerdict> verdicts(OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> harness) {
        var out = harness.getSideOutput(FineTuneOperator.GATE);
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
    }

    private static void feed(OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> h, List<ImageEvent> events) throws Exception {
        for (ImageEvent e : events) {
            h.processElement(e, e.eventTimeMillis());
        }
    }
}
