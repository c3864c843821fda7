package byot.stream.jobs.operators.drift;

import java.io.Serializable;

/**
 * How the learner watches for drift and reacts to it.
 *
 * @param detector     detector on each exit's prequential error; {@link DetectorKind#OFF} switches detection off
 * @param adwinDelta   ADWIN's confidence parameter: smaller means fewer false alarms and later detection
 * @param activeEvents labelled events after an alarm during which drift counts as active (stronger regime)
 * @param regime       what the learner does differently while drift is active
 * @param calibration  online re-calibration of the early-exit thresholds
 * @param trustDrop    on an alarm, a shallow exit is no longer trusted when its accuracy on the most recent
 *                     {@link Calibration#recentEvents} labelled events is this much below its accuracy before them
 * @param alignment    photometric alignment of new input domains ({@link InputAligner})
 */
public record DriftConfig(DetectorKind detector, double adwinDelta, int activeEvents, Regime regime, Calibration calibration,
                          double trustDrop, Alignment alignment) implements Serializable {

    /**
     * @param enabled     fit and publish an input alignment when the images move to a new intensity domain
     * @param minLabelled labelled events of the new domain that choose its map
     */
    public record Alignment(boolean enabled, int minLabelled) implements Serializable {
        public Alignment {
            if (minLabelled < 1 || minLabelled > InputAligner.MIN_STRANGERS) {
                throw new IllegalArgumentException("input-alignment-min-labelled must be in [1, " + InputAligner.MIN_STRANGERS
                        + "], got " + minLabelled);
            }
        }

        public static Alignment defaults() {
            return new Alignment(true, 8);
        }

        public static Alignment off() {
            return new Alignment(false, 8);
        }
    }

    /**
     * @param extraSteps  additional optimisation steps per regular step while drift is active (replayed events only)
     * @param recentShare share of each replayed part of a batch drawn from the events seen since the alarm, not from
     *                    the reservoir; the rest still comes from the reservoir, which keeps the old domain alive
     */
    public record Regime(int extraSteps, double recentShare) implements Serializable {
        public Regime {
            if (extraSteps < 0) {
                throw new IllegalArgumentException("drift-extra-steps must be >= 0, got " + extraSteps);
            }
            if (!(recentShare >= 0 && recentShare <= 1)) {
                throw new IllegalArgumentException("drift-recent-share must be in [0, 1], got " + recentShare);
            }
        }
    }

    /**
     * @param enabled      publish calibrated thresholds with every model version
     * @param tolerance    accuracy the early-exit answers may lose against the deepest exit on the same events (0.005 = 0.5 pp)
     * @param margin       standard errors of the window's measured loss the calibration keeps in hand ({@link ExitCalibrator})
     * @param window       labelled events the calibration looks back on
     * @param minEvents    labelled events needed before the first calibration, and after an alarm before a distrusted
     *                     exit is recalibrated and trusted again
     * @param recentEvents the short window that decides, on an alarm, which exits have fallen
     */
    public record Calibration(boolean enabled, double tolerance, double margin, int window, int minEvents, int recentEvents) implements Serializable {
        public Calibration {
            if (!(tolerance >= 0 && tolerance < 1)) {
                throw new IllegalArgumentException("exit-calibration-tolerance must be in [0, 1), got " + tolerance);
            }
            if (!(margin >= 0)) {
                throw new IllegalArgumentException("exit-calibration-margin must be >= 0 standard errors, got " + margin);
            }
            if (window < 1 || minEvents < 1 || minEvents > window) {
                throw new IllegalArgumentException("need 1 <= exit-calibration-min-events (" + minEvents
                        + ") <= exit-calibration-window (" + window + ")");
            }
            if (recentEvents < 1 || recentEvents >= window) {
                throw new IllegalArgumentException("the recent-accuracy window (" + recentEvents
                        + ") must be shorter than the calibration window (" + window + ")");
            }
        }
    }

    public DriftConfig {
        if (!(adwinDelta > 0 && adwinDelta < 1)) {
            throw new IllegalArgumentException("drift-adwin-delta must be in (0, 1), got " + adwinDelta);
        }
        if (activeEvents < 0) {
            throw new IllegalArgumentException("drift-active-events must be >= 0, got " + activeEvents);
        }
        if (!(trustDrop > 0 && trustDrop <= 1)) {
            throw new IllegalArgumentException("drift-trust-drop must be in (0, 1], got " + trustDrop);
        }
    }

    /** The job's defaults (those of {@code byot run --help}). */
    public static DriftConfig defaults() {
        return new DriftConfig(DetectorKind.ADWIN, 0.002, 1000, new Regime(1, 0.5), new Calibration(true, 0.005, 2.0, 500, 200, 100), 0.05,
                Alignment.defaults());
    }

    /** Neither detection, calibration nor input alignment: the learner and inference behave as before drift awareness existed. */
    public static DriftConfig off() {
        return new DriftConfig(DetectorKind.OFF, 0.002, 0, new Regime(0, 0), new Calibration(false, 0.005, 2.0, 500, 200, 100), 0.05,
                Alignment.off());
    }

    /** The same, with no threshold calibration: inference keeps the configured thresholds. */
    public DriftConfig withoutCalibration() {
        Calibration off = new Calibration(false, calibration.tolerance(), calibration.margin(), calibration.window(), calibration.minEvents(),
                calibration.recentEvents());
        return new DriftConfig(detector, adwinDelta, activeEvents, regime, off, trustDrop, alignment);
    }

    public boolean detects() {
        return detector != DetectorKind.OFF;
    }
}
