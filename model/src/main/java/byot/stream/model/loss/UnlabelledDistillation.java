package byot.stream.model.loss;

import java.io.Serializable;

/**
 * Self-distillation on events without a label: every shallow exit learns the deepest exit's softened output,
 * {@code weight * T^2 * KL(teacher || exit)} at the temperature of the {@link DistillationConfig}, summed over the
 * unlabelled samples whose teacher is confident and divided by all unlabelled samples of the batch (so the filter
 * only removes samples, it never makes the remaining ones weigh more).
 *
 * <p>The teacher is the deepest exit alone, through a stop-gradient, as in the labelled term. The exits' ensemble
 * would include the students themselves: right after a shift the shallow exits are confidently wrong, and an
 * ensemble teacher would feed their own mistakes back to them.
 *
 * @param weight        weight of the term; 0 switches it off
 * @param minConfidence a sample teaches only when the deepest exit's top softmax probability (at temperature 1, the
 *                      early-exit criterion's quantity) reaches this
 */
public record UnlabelledDistillation(double weight, double minConfidence) implements Serializable {

    /** No unlabelled term: the loss is exactly the labelled one. */
    public static final UnlabelledDistillation OFF = new UnlabelledDistillation(0, 1);

    public UnlabelledDistillation {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("unlabelled distillation weight must be a finite value >= 0, got " + weight);
        }
        if (!(minConfidence >= 0 && minConfidence <= 1)) {
            throw new IllegalArgumentException("unlabelled teacher confidence must be in [0, 1], got " + minConfidence);
        }
    }

    public boolean enabled() {
        return weight > 0;
    }
}
