package byot.stream.model.exit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExitCalibratorTest {

    private static final int CLASSES = 4;

    /** Softmax-like row with {@code top} on {@code cls} and the rest spread evenly. */
    private static float[] probs(int cls, double top) {
        float[] p = new float[CLASSES];
        java.util.Arrays.fill(p, (float) ((1 - top) / (CLASSES - 1)));
        p[cls] = (float) top;
        return p;
    }

    /**
     * Exit 1 is right exactly when it is at least 0.8 sure; exit 2 always right; the deepest exit always right.
     * The loosest threshold meeting the target at exit 1 is the lowest confidence among its right answers.
     */
    @Test
    void picksTheLoosestThresholdWhoseAnswersAreAsGoodAsTheDeepestExit() {
        ExitCalibrator calibrator = new ExitCalibrator(ExitCriterion.MAX_SOFTMAX, 0.0, 0.0, 400, 3);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 400; i++) {
            int label = random.nextInt(CLASSES);
            double c = 0.4 + 0.6 * random.nextDouble();
            int exit1 = c >= 0.8 ? label : (label + 1) % CLASSES;
            calibrator.add(new float[][] {probs(exit1, c), probs(label, 0.6), probs(label, 0.9)}, label);
        }
        ExitCalibrator.Result r = calibrator.calibrate(new boolean[2], new double[] {0.9, 0.9});
        assertThat(r.feasible()).containsExactly(true, true);
        assertThat(r.thresholds()[0]).isBetween(0.8, 0.81);
        // Exit 2 is always right: every event left in play may leave there, so its threshold is the least sure one.
        assertThat(r.thresholds()[1]).isCloseTo(0.6, org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void theToleranceLetsAnExitAnswerWithAFewMoreMistakes() {
        ExitCalibrator strict = new ExitCalibrator(ExitCriterion.MAX_SOFTMAX, 0.0, 0.0, 1000, 2);
        ExitCalibrator tolerant = new ExitCalibrator(ExitCriterion.MAX_SOFTMAX, 0.05, 0.0, 1000, 2);
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 1000; i++) {
            int label = random.nextInt(CLASSES);
            double c = 0.3 + 0.7 * random.nextDouble();
            // Below 0.9 confidence, exit 1 is wrong one time in ten.
            int exit1 = c >= 0.9 || random.nextDouble() < 0.9 ? label : (label + 1) % CLASSES;
            float[][] p = {probs(exit1, c), probs(label, 0.9)};
            strict.add(p, label);
            tolerant.add(p, label);
        }
        double strictCut = strict.calibrate(new boolean[1], new double[] {0.9}).thresholds()[0];
        double tolerantCut = tolerant.calibrate(new boolean[1], new double[] {0.9}).thresholds()[0];
        assertThat(strictCut).isGreaterThanOrEqualTo(0.88);
        // With 5 pp to lose, exit 1 may take as many events below 0.9 (10% wrong) as above it (all right): a seventh
        // of the confidences lie above 0.9 (uniform on [0.3, 1]), so the cut goes down by about 0.1, to about 0.8.
        assertThat(tolerantCut).isBetween(0.77, 0.83);
    }

    /**
     * The 100 surest events: both exits right. The next 200: exit 1 and the deepest exit take turns being wrong, so
     * the measured gap is back at zero after every pair. The estimate alone takes all 300 events; two standard errors
     * of margin refuse every event on which the two disagree, since a zero gap over d such events is within noise of
     * a loss of 2·sqrt(d).
     */
    @Test
    void theMarginKeepsOutEventsWhereTheMeasuredGapIsNoise() {
        ExitCalibrator estimate = new ExitCalibrator(ExitCriterion.MAX_SOFTMAX, 0.0, 0.0, 300, 2);
        ExitCalibrator margin = new ExitCalibrator(ExitCriterion.MAX_SOFTMAX, 0.0, 2.0, 300, 2);
        for (int i = 0; i < 300; i++) {
            int label = i % CLASSES;
            int wrong = (label + 1) % CLASSES;
            boolean exit1Right = i < 100 || i % 2 == 1;
            boolean deepRight = i < 100 || i % 2 == 0;
            float[][] p = {probs(exit1Right ? label : wrong, 1 - i / 1000.0), probs(deepRight ? label : wrong, 0.9)};
            estimate.add(p, label);
            margin.add(p, label);
        }
        assertThat(estimate.calibrate(new boolean[1], new double[] {1}).thresholds()[0])
                .isCloseTo(0.701, org.assertj.core.api.Assertions.within(1e-6));
        ExitCalibrator.Result r = margin.calibrate(new boolean[1], new double[] {1});
        assertThat(r.feasible()).containsExactly(true);
        assertThat(r.thresholds()[0]).isCloseTo(0.901, org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void theStricterOfTwoCalibrationsAnswersWhereBothLetAnExitAtTheHigherBar() {
        ExitCalibrator.Result a = new ExitCalibrator.Result(new double[] {0.6, 0.9, 0.7}, new boolean[] {true, true, false});
        ExitCalibrator.Result b = new ExitCalibrator.Result(new double[] {0.8, 0.5, 0.4}, new boolean[] {true, false, true});
        ExitCalibrator.Result both = a.stricter(b, ExitCriterion.MAX_SOFTMAX);
        assertThat(both.thresholds()).containsExactly(0.8, 0.9, 0.7);
        assertThat(both.feasible()).containsExactly(true, false, false);
        // Entropy: lower is stricter.
        assertThat(a.stricter(b, ExitCriterion.ENTROPY).thresholds()).containsExactly(0.6, 0.5, 0.4);
    }

    @Test
    void aNegativeMarginIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new ExitCalibrator(ExitCriterion.MAX_SOFTMAX, 0.005, -1, 100, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("margin");
    }

    @Test
    void anExitThatIsWorseAtEveryThresholdAnswersNothing() {
        ExitCalibrator calibrator = new ExitCalibrator(ExitCriterion.ENTROPY, 0.005, 0.0, 100, 2);
        for (int i = 0; i < 100; i++) {
            int label = i % CLASSES;
            calibrator.add(new float[][] {probs((label + 1) % CLASSES, 0.99), probs(label, 0.5)}, label);
        }
        ExitCalibrator.Result r = calibrator.calibrate(new boolean[1], new double[] {0.3});
        assertThat(r.feasible()).containsExactly(false);
        assertThat(r.thresholds()).containsExactly(0.3);
    }

    @Test
    void entropyThresholdsAreInNatsAndSkippedExitsKeepTheirThreshold() {
        ExitCalibrator calibrator = new ExitCalibrator(ExitCriterion.ENTROPY, 0.0, 0.0, 100, 3);
        for (int i = 0; i < 100; i++) {
            int label = i % CLASSES;
            calibrator.add(new float[][] {probs(label, 0.7), probs(label, 0.97), probs(label, 0.9)}, label);
        }
        ExitCalibrator.Result r = calibrator.calibrate(new boolean[] {true, false}, new double[] {0.123, 0.5});
        assertThat(r.feasible()).containsExactly(false, true);
        assertThat(r.thresholds()[0]).isEqualTo(0.123);
        float[] p = probs(0, 0.97);
        double h = 0;
        for (float x : p) {
            h -= x * Math.log(x);
        }
        assertThat(r.thresholds()[1]).isEqualTo(h);
        calibrator.reset();
        assertThat(calibrator.size()).isZero();
    }
}
