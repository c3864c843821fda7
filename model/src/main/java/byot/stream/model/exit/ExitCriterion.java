package byot.stream.model.exit;

import java.util.Locale;

/** How a shallow exit decides it is sure enough to answer. */
public enum ExitCriterion {
    /** Answer when the largest softmax probability is at least the threshold. */
    MAX_SOFTMAX,
    /** Answer when the entropy of the softmax (nats) is at most the threshold. */
    ENTROPY;

    /** The threshold at which this criterion never lets a sample leave: an exit that is not trusted. */
    public double never() {
        return this == MAX_SOFTMAX ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    boolean passes(float[] probs, double threshold) {
        return switch (this) {
            case MAX_SOFTMAX -> max(probs) >= threshold;
            case ENTROPY -> entropy(probs) <= threshold;
        };
    }

    static float max(float[] probs) {
        float m = probs[0];
        for (float p : probs) {
            m = Math.max(m, p);
        }
        return m;
    }

    static double entropy(float[] probs) {
        double h = 0;
        for (float p : probs) {
            if (p > 0) {
                h -= p * Math.log(p);
            }
        }
        return h;
    }

    public static ExitCriterion fromId(String id) {
        return switch (id.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "max-softmax", "confidence" -> MAX_SOFTMAX;
            case "entropy" -> ENTROPY;
            default -> throw new IllegalArgumentException("unknown exit criterion '" + id + "'; known: max-softmax, entropy");
        };
    }
}
