package byot.stream.model.exit;

import java.util.Arrays;

/**
 * Per-exit thresholds for early exit. {@code thresholds[i]} governs shallow exit i (0-based); the
 * deepest exit always answers, so there is one threshold fewer than exits.
 */
public record ExitPolicy(ExitCriterion criterion, double[] thresholds) {

    public ExitPolicy {
        thresholds = thresholds.clone();
        for (double t : thresholds) {
            // Below zero no criterion means anything: max-softmax would always exit, entropy never.
            if (Double.isNaN(t) || (t < 0 && t != criterion.never())) {
                throw new IllegalArgumentException("early-exit thresholds must be >= 0, got " + Arrays.toString(thresholds));
            }
        }
    }

    /** The same threshold at every shallow exit. */
    public static ExitPolicy uniform(ExitCriterion criterion, double threshold, int exits) {
        double[] t = new double[exits - 1];
        Arrays.fill(t, threshold);
        return new ExitPolicy(criterion, t);
    }

    /** Never exits early: every sample runs to the deepest classifier. */
    public static ExitPolicy fullDepth(int exits) {
        return uniform(ExitCriterion.MAX_SOFTMAX, Double.POSITIVE_INFINITY, exits);
    }

    /**
     * This policy with {@code calibrated}'s thresholds, and no early answer at all at the exits it does not trust.
     * A calibration for another number of exits is a programming error.
     */
    public ExitPolicy calibrated(CalibratedExits calibrated) {
        if (calibrated.thresholds().length != thresholds.length) {
            throw new IllegalArgumentException("calibration for " + calibrated.thresholds().length + " shallow exits, policy has "
                    + thresholds.length);
        }
        double[] t = calibrated.thresholds();
        for (int e = 0; e < t.length; e++) {
            if (!calibrated.trusted()[e]) {
                t[e] = criterion.never();
            }
        }
        return new ExitPolicy(criterion, t);
    }

    public boolean exitsAt(int exit, float[] probs) {
        return exit >= thresholds.length || criterion.passes(probs, thresholds[exit]);
    }

    @Override
    public double[] thresholds() {
        return thresholds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExitPolicy p && p.criterion == criterion && Arrays.equals(p.thresholds, thresholds);
    }

    @Override
    public int hashCode() {
        return 31 * criterion.hashCode() + Arrays.hashCode(thresholds);
    }

    @Override
    public String toString() {
        return criterion.name().toLowerCase() + Arrays.toString(thresholds);
    }
}
