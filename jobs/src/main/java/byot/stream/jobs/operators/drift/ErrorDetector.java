package byot.stream.jobs.operators.drift;

import java.io.Serializable;
import moa.classifiers.core.driftdetection.ADWINChangeDetector;
import moa.classifiers.core.driftdetection.ChangeDetector;
import moa.classifiers.core.driftdetection.DDM;
import moa.classifiers.core.driftdetection.PageHinkleyDM;

/**
 * One exit's prequential error stream (1 = wrong, 0 = right) fed to a MOA change detector. Only a rise of the
 * error is a change: the three detectors used here are one-sided (MOA's ADWIN detector reports a cut only when
 * the estimate went up), so a learner getting better never raises an alarm.
 */
final class ErrorDetector implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ChangeDetector detector;

    ErrorDetector(DetectorKind kind, double adwinDelta) {
        detector = switch (kind) {
            case ADWIN -> {
                ADWINChangeDetector adwin = new ADWINChangeDetector();
                adwin.deltaAdwinOption.setValue(adwinDelta);
                yield adwin;
            }
            case PAGE_HINKLEY -> new PageHinkleyDM();
            case DDM -> new DDM();
            case OFF -> throw new IllegalArgumentException("no detector to build when detection is off");
        };
        // MOA's option handlers read their options when they are (re)set; its tasks call this through prepareForUse.
        detector.resetLearning();
    }

    /** Adds one outcome; true when the error has risen significantly with it. */
    boolean add(boolean wrong) {
        detector.input(wrong ? 1.0 : 0.0);
        return detector.getChange();
    }

    /** The detector's current estimate of the error rate. */
    double estimate() {
        return detector.getEstimation();
    }

    /** Forgets everything: after an alarm the new error level is the baseline. */
    void reset() {
        detector.resetLearning();
    }
}
