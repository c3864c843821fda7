package byot.stream.jobs.operators.drift;

import java.util.Locale;

/** Which change detector watches each exit's prequential error stream (MOA's implementations). */
public enum DetectorKind {
    /** ADWIN (Bifet and Gavaldà 2007): adaptive window, alarms when two sub-windows' means differ beyond a bound set by delta. */
    ADWIN,
    /** Page-Hinkley test with MOA's defaults (lambda 50, delta 0.005, at least 30 samples). */
    PAGE_HINKLEY,
    /** DDM (Gama et al. 2004) with MOA's defaults: error rate plus its deviation above the best seen by 3 sigma. */
    DDM,
    /** No detection: no alarms, no trust changes, no drift regime (thresholds are still calibrated if enabled). */
    OFF;

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static DetectorKind fromId(String id) {
        for (DetectorKind k : values()) {
            if (k.id().equals(id.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown drift detector '" + id + "'; known: adwin, page-hinkley, ddm, off");
    }
}
