package byot.stream.jobs.operators.drift;

import byot.stream.model.exit.CalibratedExits;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The early-exit policy inference applies to a model version: the thresholds and trust the learner calibrated
 * for it (in the model file's header), or the configured policy for a version that carries none, or whose
 * calibration is for another criterion than the one this job serves with.
 */
public final class ServedExitPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(ServedExitPolicy.class);

    private ServedExitPolicy() {
    }

    /** @param payload the served version's model file, already accepted by the model slot */
    public static ExitPolicy of(ExitPolicy configured, byte[] payload) {
        Optional<CalibratedExits> calibration;
        try {
            calibration = ModelFile.calibration(payload);
        } catch (ModelFormatException e) {
            LOG.warn("model's exit calibration ignored, serving with the configured thresholds: {}", e.getMessage());
            return configured;
        }
        if (calibration.isEmpty() || calibration.get().criterion() != configured.criterion()
                || calibration.get().thresholds().length != configured.thresholds().length) {
            return configured;
        }
        return configured.calibrated(calibration.get());
    }
}
