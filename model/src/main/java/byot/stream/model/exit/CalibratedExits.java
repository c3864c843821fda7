package byot.stream.model.exit;

import java.util.Arrays;

/**
 * Early-exit thresholds a learner calibrated for one model version, carried in that version's model file (header
 * field {@code exitPolicy}, docs/model.md), and which shallow exits inference may answer at. Thresholds are in the
 * units of the {@link ExitCriterion} they were calibrated for; one per shallow exit.
 *
 * @param criterion  the criterion the thresholds are meant for; a server with another criterion ignores them
 * @param thresholds one per shallow exit
 * @param trusted    one per shallow exit; an untrusted exit answers nothing, whatever its threshold
 */
public record CalibratedExits(ExitCriterion criterion, double[] thresholds, boolean[] trusted) {

    public CalibratedExits {
        thresholds = thresholds.clone();
        trusted = trusted.clone();
        if (thresholds.length != trusted.length) {
            throw new IllegalArgumentException(thresholds.length + " thresholds but " + trusted.length + " trust flags");
        }
        for (double t : thresholds) {
            if (!Double.isFinite(t) || t < 0) {
                throw new IllegalArgumentException("calibrated thresholds must be finite and >= 0, got " + Arrays.toString(thresholds));
            }
        }
    }

    @Override
    public double[] thresholds() {
        return thresholds.clone();
    }

    @Override
    public boolean[] trusted() {
        return trusted.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CalibratedExits c && c.criterion == criterion && Arrays.equals(c.thresholds, thresholds)
                && Arrays.equals(c.trusted, trusted);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * criterion.hashCode() + Arrays.hashCode(thresholds)) + Arrays.hashCode(trusted);
    }

    @Override
    public String toString() {
        return criterion.name().toLowerCase() + Arrays.toString(thresholds) + " trusted " + Arrays.toString(trusted);
    }
}
