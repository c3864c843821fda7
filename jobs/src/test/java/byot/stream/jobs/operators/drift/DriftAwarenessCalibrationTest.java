package byot.stream.jobs.operators.drift;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.jobs.SyntheticImages;
import byot.stream.jobs.operators.EventTensors;
import byot.stream.model.MultiExitModel;
import byot.stream.model.eval.ExitScores;
import byot.stream.model.exit.CalibratedExits;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The thresholds published with a version also hold on that version's own outputs on held-out events. */
class DriftAwarenessCalibrationTest {

    private static final int EXITS = 4;

    /** A learner whose calibration window holds 300 events scored by a small fresh model. */
    private static DriftAwareness calibrated() {
        MultiExitModel model = MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 0);
        DriftAwareness drift = new DriftAwareness(DriftConfig.defaults(),
                new ExitPolicy(ExitCriterion.MAX_SOFTMAX, new double[] {0.9, 0.9, 0.9}), EXITS, 0);
        drift.published(model);
        List<ImageEvent> events = SyntheticImages.events(300, 10, 1.0, false, 3, "w-", 0);
        for (int from = 0; from < events.size(); from += 50) {
            drift.beforeStep(events.subList(from, from + 50), EventTensors::pixels);
        }
        model.release();
        return drift;
    }

    /** {@code n} held-out events on which exit 1 is 0.99 sure and always wrong, every other exit right. */
    private static ExitScores exitOneSurelyWrong(int n) {
        float[][][] probs = new float[EXITS][n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
            for (int e = 0; e < EXITS; e++) {
                float[] p = new float[10];
                java.util.Arrays.fill(p, 0.01f / 9);
                p[e == 0 ? (labels[i] + 1) % 10 : labels[i]] = 0.99f;
                probs[e][i] = p;
            }
        }
        return new ExitScores(probs, labels, new long[EXITS]);
    }

    @Test
    void anExitTheVersionGetsWrongOnHeldOutEventsIsNotTrustedWhateverTheWindowSays() {
        ExitScores heldOut = exitOneSurelyWrong(250);

        CalibratedExits checked;
        CalibratedExits windowOnly;
        try (DriftAwareness withHeldOut = calibrated(); DriftAwareness without = calibrated()) {
            checked = withHeldOut.calibration(heldOut);
            windowOnly = without.calibration();
        }

        assertThat(checked.trusted()[0]).as("exit 1 answers only where both calibrations let it").isFalse();
        assertThat(windowOnly.trusted()[0]).as("the window alone lets exit 1 answer").isTrue();
        for (int e = 0; e < EXITS - 1; e++) {
            // Never looser than the window's own thresholds, at any exit.
            assertThat(checked.thresholds()[e]).isGreaterThanOrEqualTo(windowOnly.thresholds()[e]);
            assertThat(!checked.trusted()[e] || windowOnly.trusted()[e]).isTrue();
        }
    }

    @Test
    void tooFewHeldOutEventsLeaveTheWindowsCalibration() {
        ExitScores heldOut = exitOneSurelyWrong(199);   // exit-calibration-min-events is 200
        try (DriftAwareness withHeldOut = calibrated(); DriftAwareness without = calibrated()) {
            assertThat(withHeldOut.calibration(heldOut)).isEqualTo(without.calibration());
        }
    }
}
