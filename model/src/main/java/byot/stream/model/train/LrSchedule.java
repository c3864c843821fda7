package byot.stream.model.train;

import java.util.Locale;

/** Learning-rate schedules over a known number of steps. */
public enum LrSchedule {
    CONSTANT,
    /** Half-cosine from the base rate to zero. */
    COSINE,
    /** Divide by 10 at 50% and again at 75% of the steps, as in the paper's CIFAR runs. */
    STEP;

    public double rate(double base, long step, long totalSteps) {
        double progress = totalSteps <= 0 ? 0 : Math.min(1.0, (double) step / totalSteps);
        return switch (this) {
            case CONSTANT -> base;
            case COSINE -> base * 0.5 * (1 + Math.cos(Math.PI * progress));
            case STEP -> base * (progress >= 0.75 ? 0.01 : progress >= 0.5 ? 0.1 : 1.0);
        };
    }

    public static LrSchedule fromId(String id) {
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown lr schedule '" + id + "'; known: constant, cosine, step");
        }
    }
}
