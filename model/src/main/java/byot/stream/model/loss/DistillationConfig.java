package byot.stream.model.loss;

import java.io.Serializable;

/**
 * Weights of the self-distillation loss. For shallow exit i:
 * {@code (1-alpha)*CE + alpha*T^2*KL(teacher || exit_i) + lambda*mean((F_i - F_C)^2)}.
 * The hint is a mean over feature elements: summed over a 128x4x4 map it swamped the other terms.
 *
 * @param warmupSteps alpha and lambda ramp linearly from 0 over this many steps (0: no ramp), since an
 *                    untrained teacher teaches noise
 */
public record DistillationConfig(TrainingMode mode, double alpha, double hintWeight, double temperature, int warmupSteps)
        implements Serializable {

    /** The official code's values: alpha 0.3, lambda 0.03, T 3. */
    public static DistillationConfig defaults(TrainingMode mode) {
        return new DistillationConfig(mode, 0.3, 0.03, 3.0, 0);
    }

    public DistillationConfig {
        if (mode == null) {
            throw new IllegalArgumentException("training mode is required");
        }
        if (alpha < 0 || alpha > 1) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        if (hintWeight < 0) {
            throw new IllegalArgumentException("hint weight (lambda) must be >= 0, got " + hintWeight);
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
        }
    }

    /** Fraction of alpha and lambda in force at {@code step}. */
    public double ramp(long step) {
        return warmupSteps == 0 ? 1.0 : Math.min(1.0, (double) step / warmupSteps);
    }
}
