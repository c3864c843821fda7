package byot.stream.jobs.operators.drift;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Optional;

/**
 * Change detection on the learner's per-exit prequential error streams. Every labelled event adds one outcome per
 * exit; an alarm is raised when any exit's detector finds its error has risen. All detectors then start afresh, so
 * the new error level becomes the baseline and one change gives one alarm, not one per exit a few events apart.
 * Drift stays active for {@link DriftConfig#activeEvents} labelled events after the latest alarm.
 */
final class DriftMonitor implements Serializable {
    private static final long serialVersionUID = 1L;

    private final DriftConfig config;
    private final ErrorDetector[] detectors;
    // Volatile: the driftActive gauge reads them on the metrics reporter's thread.
    private volatile long labelled;
    private volatile long lastAlarmAt = -1;

    DriftMonitor(DriftConfig config, int exits) {
        this.config = config;
        detectors = new ErrorDetector[config.detects() ? exits : 0];
        for (int e = 0; e < detectors.length; e++) {
            detectors[e] = new ErrorDetector(config.detector(), config.adwinDelta());
        }
    }

    /**
     * One labelled event's outcome at every exit.
     *
     * @return the 1-based exits whose detector fired, when this event sets off an alarm
     */
    Optional<int[]> add(boolean[] right) {
        labelled++;
        int[] fired = new int[detectors.length];
        int n = 0;
        for (int e = 0; e < detectors.length; e++) {
            boolean wrong = e >= right.length || !right[e];
            if (detectors[e].add(wrong)) {
                fired[n++] = e + 1;
            }
        }
        if (n == 0) {
            return Optional.empty();
        }
        for (ErrorDetector d : detectors) {
            d.reset();
        }
        lastAlarmAt = labelled;
        return Optional.of(Arrays.copyOf(fired, n));
    }

    /** Labelled events seen so far. */
    long labelled() {
        return labelled;
    }

    /** Labelled events since the latest alarm; -1 before any. */
    long sinceAlarm() {
        return lastAlarmAt < 0 ? -1 : labelled - lastAlarmAt;
    }

    boolean active() {
        return lastAlarmAt >= 0 && labelled - lastAlarmAt < config.activeEvents();
    }
}
