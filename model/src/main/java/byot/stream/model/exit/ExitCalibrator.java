package byot.stream.model.exit;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Online calibration of the early-exit thresholds on the most recent labelled events, scored by the model that
 * inference serves. The target: over the window, the events each shallow exit would answer must be answered at
 * most {@code tolerance} less accurately than the deepest exit answers those same events.
 *
 * <p>Exits are calibrated in cascade order, as inference runs them: exit 1 gets the loosest threshold whose
 * answered events meet the target; the events it answers are then out of play, and exit 2 is calibrated on the
 * rest, and so on. Because every answered group meets the target against the deepest exit, the whole early-exit
 * answer does too: over the window, served accuracy is at most {@code tolerance} below the deepest exit's.
 * An exit with no threshold meeting the target answers nothing (it is reported as not trusted).
 *
 * <p>The target is met with a margin: the loss measured on the window is an estimate, and taking the loosest cut
 * whose estimate meets the tolerance picks, among many cuts, the one the window's noise flattered most (a winner's
 * curse). A cut is accepted only where the estimated loss plus {@code margin} standard errors stays within the
 * tolerance; the standard error of the paired count difference is the square root of the number of events on which
 * exactly one of the two exits is right. On the demo's model, 500-event windows drawn from the test set and checked
 * on the rest of it, the estimate alone (margin 0) lost a median 0.94 pp on held-out events and more than the 0.5 pp
 * tolerance in 81 % of windows; a margin of 2 lost a median 0.09 pp, more than 0.5 pp in 4.5 %, for 2.00× fewer
 * MACs than full depth instead of 2.45× ({@code byot bench calibration}, docs/benchmarks.md).
 */
public final class ExitCalibrator implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Thresholds in the criterion's own units, and whether each exit may answer at all. */
    public record Result(double[] thresholds, boolean[] feasible) {

        /**
         * Both calibrations at once: an exit answers only where both let it, at the stricter of the two thresholds.
         * Not a calibration in its own right: each was cut in cascade on the events the exits before it left, and the
         * stricter cuts leave more events to the later exits than either was cut on, so the tolerance is not
         * guaranteed on either window. It errs towards answering deeper, which costs speed rather than accuracy
         * wherever deeper exits are the more accurate ones.
         */
        public Result stricter(Result other, ExitCriterion criterion) {
            double[] t = thresholds.clone();
            boolean[] f = feasible.clone();
            for (int e = 0; e < f.length; e++) {
                f[e] &= other.feasible[e];
                t[e] = criterion == ExitCriterion.MAX_SOFTMAX ? Math.max(t[e], other.thresholds[e]) : Math.min(t[e], other.thresholds[e]);
            }
            return new Result(t, f);
        }
    }

    private final ExitCriterion criterion;
    private final double tolerance;
    private final double margin;
    private final int exits;
    /** [slot][exit]: how sure the exit was, higher is surer (max-softmax, or minus the entropy). */
    private final double[][] sureness;
    private final boolean[][] correct;
    private int next;
    private int filled;

    /**
     * @param tolerance accuracy the answers of each exit may lose against the deepest exit's on the same events
     * @param margin    standard errors of the measured loss kept in hand (0: the estimate alone)
     * @param window    labelled events looked back on
     */
    public ExitCalibrator(ExitCriterion criterion, double tolerance, double margin, int window, int exits) {
        if (!(margin >= 0)) {
            throw new IllegalArgumentException("calibration margin must be >= 0 standard errors, got " + margin);
        }
        this.criterion = criterion;
        this.tolerance = tolerance;
        this.margin = margin;
        this.exits = exits;
        sureness = new double[window][exits];
        correct = new boolean[window][exits];
    }

    /** One labelled event: every exit's softmax ({@code probs[exit]}) and the true class. */
    public void add(float[][] probs, int label) {
        for (int e = 0; e < exits; e++) {
            sureness[next][e] = sureness(probs[e]);
            correct[next][e] = EarlyExitClassifier.argmax(probs[e]) == label;
        }
        next = (next + 1) % sureness.length;
        filled = Math.min(filled + 1, sureness.length);
    }

    public int size() {
        return filled;
    }

    /** Forgets the window: after a drift alarm, events of the old domain say nothing about the thresholds. */
    public void reset() {
        next = 0;
        filled = 0;
    }

    /**
     * Thresholds meeting the target on the window; exits that {@code skip} marks are left out of the cascade
     * (they answer nothing) and keep {@code fallback}'s threshold.
     */
    public Result calibrate(boolean[] skip, double[] fallback) {
        int shallow = exits - 1;
        int deepest = exits - 1;
        double[] thresholds = fallback.clone();
        boolean[] feasible = new boolean[shallow];
        List<Integer> inPlay = new ArrayList<>();
        for (int i = 0; i < filled; i++) {
            inPlay.add(i);
        }
        for (int e = 0; e < shallow; e++) {
            if (skip[e] || inPlay.isEmpty()) {
                continue;
            }
            int exit = e;
            inPlay.sort(Comparator.comparingDouble((Integer i) -> sureness[i][exit]).reversed());
            int gap = 0;
            int discordant = 0;
            int best = 0;
            for (int k = 1; k <= inPlay.size(); k++) {
                int i = inPlay.get(k - 1);
                int difference = (correct[i][e] ? 1 : 0) - (correct[i][deepest] ? 1 : 0);
                gap += difference;
                discordant += difference != 0 ? 1 : 0;
                // A threshold can only cut between distinct values: all events equally sure go out together.
                boolean boundary = k == inPlay.size() || sureness[inPlay.get(k)][e] < sureness[i][e];
                if (boundary && gap - margin * Math.sqrt(discordant) >= -tolerance * k - 1e-9) {
                    best = k;
                }
            }
            if (best == 0) {
                continue;
            }
            feasible[e] = true;
            double cut = sureness[inPlay.get(best - 1)][e];
            thresholds[e] = criterion == ExitCriterion.MAX_SOFTMAX ? cut : Math.max(0, -cut);
            inPlay = new ArrayList<>(inPlay.subList(best, inPlay.size()));
        }
        return new Result(thresholds, feasible);
    }

    /** Computed exactly as {@link ExitCriterion} does, so a calibrated cut passes the very events it was cut at. */
    private double sureness(float[] probs) {
        if (criterion == ExitCriterion.MAX_SOFTMAX) {
            return probs[EarlyExitClassifier.argmax(probs)];
        }
        double h = 0;
        for (float p : probs) {
            if (p > 0) {
                h -= p * Math.log(p);
            }
        }
        return -h;
    }
}
