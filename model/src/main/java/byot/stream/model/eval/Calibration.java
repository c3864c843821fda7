package byot.stream.model.eval;

import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import java.util.Optional;

/**
 * Picks early-exit thresholds on a validation set. A uniform threshold is searched on a grid first; then
 * each shallow exit's threshold is lowered on its own for as long as the constraint still holds, since
 * exits differ in how well calibrated they are.
 */
public final class Calibration {

    private static final double[] CONFIDENCE_GRID = {
        0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.965, 0.975, 0.985, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999
    };
    private static final double[] ENTROPY_GRID = {
        1.5, 1.2, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01, 0.005, 0.001
    };

    private Calibration() {
    }

    /** The cheapest policy (fewest MACs per sample) whose accuracy is at least {@code targetAccuracy}. */
    public static Optional<EarlyExitOutcome> forTargetAccuracy(ExitScores scores, double targetAccuracy, ExitCriterion criterion) {
        return search(scores, criterion, o -> o.accuracy() >= targetAccuracy, Calibration::cheaper);
    }

    /** The most accurate policy whose mean MACs per sample stay within {@code macBudget}. */
    public static Optional<EarlyExitOutcome> forMacBudget(ExitScores scores, double macBudget, ExitCriterion criterion) {
        return search(scores, criterion, o -> o.macsPerSample() <= macBudget,
                (a, b) -> a.accuracy() > b.accuracy() || a.accuracy() == b.accuracy() && cheaper(a, b));
    }

    /** The thresholds of the grid, for sweeps that report the whole trade-off curve. */
    public static double[] grid(ExitCriterion criterion) {
        return (criterion == ExitCriterion.MAX_SOFTMAX ? CONFIDENCE_GRID : ENTROPY_GRID).clone();
    }

    private static Optional<EarlyExitOutcome> search(ExitScores scores, ExitCriterion criterion,
                                                     java.util.function.Predicate<EarlyExitOutcome> feasible,
                                                     java.util.function.BiPredicate<EarlyExitOutcome, EarlyExitOutcome> better) {
        double[] grid = grid(criterion);
        EarlyExitOutcome best = null;
        for (double t : grid) {
            EarlyExitOutcome o = scores.simulate(ExitPolicy.uniform(criterion, t, scores.exits()));
            if (feasible.test(o) && (best == null || better.test(o, best))) {
                best = o;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        // Coordinate refinement: try every grid value at each exit, keep what improves and stays feasible.
        double[] thresholds = best.policy().thresholds();
        for (int exit = 0; exit < thresholds.length; exit++) {
            for (double t : grid) {
                double[] trial = thresholds.clone();
                trial[exit] = t;
                EarlyExitOutcome o = scores.simulate(new ExitPolicy(criterion, trial));
                if (feasible.test(o) && better.test(o, best)) {
                    best = o;
                    thresholds = trial;
                }
            }
        }
        return Optional.of(best);
    }

    private static boolean cheaper(EarlyExitOutcome a, EarlyExitOutcome b) {
        return a.macsPerSample() < b.macsPerSample() || a.macsPerSample() == b.macsPerSample() && a.accuracy() > b.accuracy();
    }
}
