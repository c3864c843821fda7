package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.DriftAlarm;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.Prediction;
import byot.stream.jobs.FineTuning;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.operators.drift.DetectorKind;
import byot.stream.jobs.operators.drift.DriftConfig;
import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.CalibratedExits;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.io.ModelFile;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The learner detects a shift in its labelled stream, distrusts the exits that fell and says so in the version it
 * publishes at once; inference then answers deeper. Thresholds calibrated by the learner travel with the versions.
 */
class DriftAwareOperatorsTest {

    static final ExitPolicy SERVED = ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, 0.9, 4);
    /** A small calibration window so that the test stream fills it. */
    static final DriftConfig DRIFT = new DriftConfig(DetectorKind.ADWIN, 0.002, 200, new DriftConfig.Regime(1, 0.5),
            new DriftConfig.Calibration(true, 0.005, 0.0, 200, 80, 40), 0.05, DriftConfig.Alignment.off());

    /** Class k is a band at rows 2k; after the shift every label is moved on by one class: every exit becomes wrong. */
    private static List<ImageEvent> stream(int before, int after) {
        List<ImageEvent> out = new ArrayList<>(SyntheticImages.events(before, 10, 1.0, false, 3, "before-", 1_000L));
        for (ImageEvent e : SyntheticImages.events(after, 10, 1.0, false, 4, "after-", 1_000L + before * 10L)) {
            out.add(new ImageEvent(e.id(), e.eventTimeMillis(), e.sourceId(), (e.label() + 1) % 10, e.height(), e.width(),
                    e.channels(), e.encoding(), e.pixels()));
        }
        return out;
    }

    @Test
    void anAlarmFollowsTheShiftAndNoneComesBeforeIt() throws Exception {
        int before = 640;
        List<ImageEvent> events = stream(before, 320);
        // A version every 5 steps (40 labelled events): detection watches the answers of the version being served,
        // so that version must have learned the first domain for the shift to show.
        AdaptConfig often = FineTuning.byot(256, 5, 3600, 7);
        try (var h = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(
                new FineTuneOperator(often, FineTuneOperatorTest.INITIAL, DRIFT, SERVED))) {
            h.open();
            FineTuneOperatorTest.feed(h, events.subList(0, before));
            assertThat(alarms(h)).as("alarms before the shift").isEmpty();
            int publishedBefore = h.extractOutputValues().size();
            // The learner did learn the first domain, else a shift of the labels would change nothing.
            assertThat(deepestRightBefore(h, before)).as("deepest exit right on the last 160 events before the shift")
                    .isGreaterThan(120);

            FineTuneOperatorTest.feed(h, events.subList(before, events.size()));
            List<DriftAlarm> alarms = alarms(h);
            assertThat(alarms).as("alarms after the shift").isNotEmpty();
            DriftAlarm first = alarms.get(0);
            assertThat(first.eventId()).startsWith("after-");
            assertThat(first.labelledEvents() - before).as("labelled events from the shift to the alarm").isBetween(1L, 160L);
            assertThat(first.detector()).isEqualTo("adwin");
            assertThat(first.untrustedExits()).as("shallow exits that fell").containsExactly(1, 2, 3);

            // The alarm is published at once, with the fallen exits marked untrusted: the version after the last
            // one published before the shift that no longer trusts them.
            List<ModelUpdate> updates = h.extractOutputValues();
            assertThat(updates.subList(publishedBefore, updates.size()))
                    .as("a version published since the shift distrusts the shallow exits")
                    .anySatisfy(u -> {
                        CalibratedExits published = ModelFile.calibration(u.payload()).orElseThrow();
                        assertThat(published.trusted()).containsExactly(false, false, false);
                        assertThat(published.criterion()).isEqualTo(ExitCriterion.MAX_SOFTMAX);
                    });
        }
    }

    /**
     * Detection watches what is served: a learner that learned the first domain but never published a version keeps
     * serving the untrained one, whose answers a shift of the labels does not make worse, so no alarm comes.
     */
    @Test
    void aShiftThatDoesNotHurtTheServedVersionRaisesNoAlarm() throws Exception {
        int before = 640;
        List<ImageEvent> events = stream(before, 320);
        AdaptConfig never = FineTuning.byot(256, 100_000, 3600, 7);
        try (var h = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(
                new FineTuneOperator(never, FineTuneOperatorTest.INITIAL, DRIFT, SERVED))) {
            h.open();
            FineTuneOperatorTest.feed(h, events);
            assertThat(deepestRightBefore(h, before)).as("the training pass had learned the first domain").isGreaterThan(120);
            assertThat(alarms(h)).isEmpty();
        }
    }

    /** Training-pass scores of the deepest exit that were right on the last 160 labelled events before the shift. */
    private static long deepestRightBefore(OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> h, int before) {
        return h.getSideOutput(FineTuneOperator.SCORES).stream().skip(before - 160L).limit(160)
                .filter(r -> r.getValue().correct()[3]).count();
    }

    @Test
    void withDetectionOffTheSameShiftRaisesNothing() throws Exception {
        int before = 320;
        List<ImageEvent> events = stream(before, 320);
        DriftConfig off = new DriftConfig(DetectorKind.OFF, 0.002, 200, new DriftConfig.Regime(1, 0.5),
                new DriftConfig.Calibration(false, 0.005, 0.0, 200, 80, 40), 0.05, DriftConfig.Alignment.off());
        try (var h = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(
                new FineTuneOperator(FineTuning.byot(256, 1000, 3600, 7), FineTuneOperatorTest.INITIAL, off, SERVED))) {
            h.open();
            FineTuneOperatorTest.feed(h, events);
            h.endInput();
            assertThat(alarms(h)).isEmpty();
            assertThat(ModelFile.calibration(h.extractOutputValues().get(0).payload())).isEmpty();
        }
    }

    @Test
    void calibratedThresholdsArePublishedWithEachVersion() throws Exception {
        List<ImageEvent> events = SyntheticImages.events(240, 10, 1.0, false, 3, "c-", 1_000L);
        try (var h = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(
                new FineTuneOperator(FineTuning.byot(256, 5, 3600, 7), FineTuneOperatorTest.INITIAL, DRIFT, SERVED))) {
            h.open();
            FineTuneOperatorTest.feed(h, events);
            List<ModelUpdate> updates = h.extractOutputValues();
            assertThat(updates).hasSize(6);   // 30 steps of 8 events, one version every 5
            // Until 80 labelled events were scored by a published version there is nothing to calibrate on.
            assertThat(ModelFile.calibration(updates.get(0).payload())).isEmpty();
            CalibratedExits last = ModelFile.calibration(updates.get(5).payload()).orElseThrow();
            assertThat(last.thresholds()).hasSize(3);
            for (double t : last.thresholds()) {
                assertThat(t).isBetween(0.0, 1.0);
            }
            assertThat(last.thresholds()).isNotEqualTo(SERVED.thresholds());
        }
    }

    /**
     * The calibration window is not checkpointed; the thresholds and trust last published are. A restored learner used
     * to announce and publish versions without them until its window had refilled, so inference fell back to the
     * flags' thresholds and trusted again exits an alarm had distrusted.
     */
    @Test
    void calibratedThresholdsAndTrustSurviveARestore() throws Exception {
        List<ImageEvent> events = SyntheticImages.events(280, 10, 1.0, false, 3, "c-", 1_000L);
        AdaptConfig often = FineTuning.byot(256, 5, 3600, 7);
        CalibratedExits before;
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(
                new FineTuneOperator(often, FineTuneOperatorTest.INITIAL, DRIFT, SERVED))) {
            h.open();
            FineTuneOperatorTest.feed(h, events.subList(0, 240));
            List<ModelUpdate> updates = h.extractOutputValues();
            before = ModelFile.calibration(updates.get(updates.size() - 1).payload()).orElseThrow();
            snapshot = h.snapshot(1, 20_000);
        }
        try (var h = new OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate>(
                new FineTuneOperator(often, FineTuneOperatorTest.INITIAL, DRIFT, SERVED))) {
            h.initializeState(snapshot);
            h.open();
            FineTuneOperatorTest.feed(h, events.subList(240, 280));   // fewer than the 80 a calibration needs
            List<ModelUpdate> resumed = h.extractOutputValues();
            assertThat(resumed).as("the announcement and one version five steps later").hasSize(2);
            for (ModelUpdate u : resumed) {
                CalibratedExits carried = ModelFile.calibration(u.payload()).orElseThrow();
                assertThat(carried.thresholds()).as("version %d", u.modelVersion()).containsExactly(before.thresholds());
                assertThat(carried.trusted()).containsExactly(before.trusted());
            }
        }
    }

    @Test
    void inferenceStopsAnsweringAtAnExitTheLearnerNoLongerTrusts() throws Exception {
        // Threshold 0 lets every event leave at exit 1, unless the version says exit 1 is not to be trusted.
        InferenceConfig eager = new InferenceConfig(4, 60_000, ExitCriterion.MAX_SOFTMAX, new double[] {0, 0, 0}, 8 << 20).onTaskThread();
        List<ImageEvent> events = SyntheticImages.events(8, 10, 0.5, false, 5, "i-", 1_000L);
        try (var h = new TwoInputStreamOperatorTestHarness<ImageEvent, ModelUpdate, Prediction>(
                new EarlyExitOperator(eager, ModelFile.toBytes(MultiExitModel.create(FineTuneOperatorTest.SPEC, 0), false)))) {
            h.open();
            h.processElement2(update(1, new CalibratedExits(ExitCriterion.MAX_SOFTMAX, new double[] {0, 0, 0},
                    new boolean[] {false, true, true})), 1);
            for (ImageEvent e : events.subList(0, 4)) {
                h.processElement1(e, e.eventTimeMillis());
            }
            assertThat(h.extractOutputValues()).hasSize(4).allMatch(p -> p.exitDepth() == 2);
            // Trusted again in the next version: the configured answer at exit 1 returns.
            h.processElement2(update(2, new CalibratedExits(ExitCriterion.MAX_SOFTMAX, new double[] {0, 0, 0},
                    new boolean[] {true, true, true})), 2);
            for (ImageEvent e : events.subList(4, 8)) {
                h.processElement1(e, e.eventTimeMillis());
            }
            assertThat(h.extractOutputValues().subList(4, 8)).allMatch(p -> p.exitDepth() == 1);
        }
    }

    @Test
    void calibratedThresholdsReplaceTheConfiguredOnes() throws Exception {
        InferenceConfig never = new InferenceConfig(4, 60_000, ExitCriterion.MAX_SOFTMAX, new double[] {1.1, 1.1, 1.1}, 8 << 20).onTaskThread();
        EarlyExitOperator op = new EarlyExitOperator(never, ModelFile.toBytes(MultiExitModel.create(FineTuneOperatorTest.SPEC, 0), false));
        try (var h = new TwoInputStreamOperatorTestHarness<ImageEvent, ModelUpdate, Prediction>(op)) {
            h.open();
            CalibratedExits calibrated = new CalibratedExits(ExitCriterion.MAX_SOFTMAX, new double[] {0, 0.5, 0.7},
                    new boolean[] {true, true, true});
            h.processElement2(update(1, calibrated), 1);
            assertThat(op.servedPolicy().thresholds()).containsExactly(0, 0.5, 0.7);
            // A calibration for another criterion is not applied: the configured thresholds stay.
            h.processElement2(update(2, new CalibratedExits(ExitCriterion.ENTROPY, new double[] {0, 0.5, 0.7},
                    new boolean[] {true, true, true})), 2);
            assertThat(op.servedPolicy().thresholds()).containsExactly(1.1, 1.1, 1.1);
        }
    }

    private static ModelUpdate update(long version, CalibratedExits calibration) {
        MultiExitModel m = MultiExitModel.create(FineTuneOperatorTest.SPEC, version);
        m.setVersion(version);
        return new ModelUpdate(version, 0, FineTuneOperatorTest.SPEC.summary(), ModelFile.toBytes(m, false, calibration));
    }

    private static List<DriftAlarm> alarms(OneInputStreamOperatorTestHarness<ImageEvent, ModelUpdate> h) {
        var out = h.getSideOutput(FineTuneOperator.DRIFT_ALARMS);
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
    }
}
