package byot.stream.model.loss;

import java.io.Serializable;

/**
 * Weights of the self-distillation loss. For shallow exit i:
 * {@code (1-alpha)*CE + alpha*T^2*KL(teacher || exit_i) + lambda*mean((F_i - F_C)^2)}.
 * The hint is a mean over feature elements: summed over a 128x4x4 map it swamped the other terms.
 *
 * @param warmupSteps alpha and lambda ramp linearly from 0 over this many steps (0: no ramp), since an
 *                    untrained teacher teaches noise
 * @param teacher     whose softened output the KL term of byot mode matches (the hint's teacher is always the
 *                    deepest exit's features)
 */
public record DistillationConfig(TrainingMode mode, double alpha, double hintWeight, double temperature, int warmupSteps,
                                 Teacher teacher) implements Serializable {

    /** The KL term's teacher in byot mode. */
    public enum Teacher {
        /** The paper's: the deepest exit teaches every shallow one; the deepest learns from labels only. */
        DEEPEST,
        /**
         * The mean of every exit's softened output teaches every exit, the deepest included (exit-ensemble
         * distillation, Lee &amp; Lee 2021, arXiv:2104.00299; the branch ensemble of Lan et al. 2018): a teacher
         * better than any one exit, and one that regularises the deepest exit too.
         */
        ENSEMBLE;

        public static Teacher fromId(String id) {
            for (Teacher t : values()) {
                if (t.id().equals(id.trim().toLowerCase(java.util.Locale.ROOT))) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown teacher '" + id + "'; known: deepest, ensemble");
        }

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The official code's values: alpha 0.3, lambda 0.03, T 3, the deepest exit as teacher. */
    public static DistillationConfig defaults(TrainingMode mode) {
        return new DistillationConfig(mode, 0.3, 0.03, 3.0, 0, Teacher.DEEPEST);
    }

    /** With the deepest exit as teacher. */
    public DistillationConfig(TrainingMode mode, double alpha, double hintWeight, double temperature, int warmupSteps) {
        this(mode, alpha, hintWeight, temperature, warmupSteps, Teacher.DEEPEST);
    }

    public DistillationConfig {
        if (mode == null) {
            throw new IllegalArgumentException("training mode is required");
        }
        if (teacher == null) {
            throw new IllegalArgumentException("teacher is required (deepest or ensemble)");
        }
        if (!(alpha >= 0 && alpha <= 1)) { // NaN too
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        if (!(hintWeight >= 0 && hintWeight < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("hint weight (lambda) must be finite and >= 0, got " + hintWeight);
        }
        if (!(temperature > 0 && temperature < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmupSteps);
        }
    }

    /** Whether exit {@code exit} of {@code exits} has a KL term. */
    public boolean distils(int exit, int exits) {
        return switch (mode) {
            case KD -> true;
            case BYOT -> exit != exits - 1 || teacher == Teacher.ENSEMBLE;
            default -> false;
        };
    }

    /** Fraction of alpha and lambda in force at {@code step}. */
    public double ramp(long step) {
        return warmupSteps == 0 ? 1.0 : Math.min(1.0, (double) step / warmupSteps);
    }
}
