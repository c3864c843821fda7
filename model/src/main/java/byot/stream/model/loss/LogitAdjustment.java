package byot.stream.model.loss;

import java.io.Serializable;

/**
 * Logit-adjusted cross-entropy for a learner whose batches are not class-balanced: every exit's cross-entropy is
 * taken on {@code z + tau * log(n)}, where {@code n} counts each class among the batch's labelled samples (Menon et
 * al. 2021, "Long-tail learning via logit adjustment"; for online continual learning, Huang et al. 2024, "Online
 * Continual Learning via Logit Adjusted Softmax", arXiv:2311.06460, with their window of one batch). A class the
 * batch over-represents then gains no bias from being frequent, and a class absent from it ({@code log 0}) leaves the
 * softmax, so its logit is neither pushed down nor up by a batch that says nothing about it. Inference uses the raw
 * logits.
 *
 * <p>Why a stream learner needs it: when labels arrive one class at a time (a class-incremental stream), half of
 * every batch is the newest class and plain cross-entropy learns that prior, so each published version predicts the
 * class just seen. Only the cross-entropy is adjusted: the distillation terms match raw softened outputs.
 *
 * @param tau strength of the adjustment; 0 switches it off (plain cross-entropy)
 */
public record LogitAdjustment(double tau) implements Serializable {

    public static final LogitAdjustment OFF = new LogitAdjustment(0);

    public LogitAdjustment {
        if (!(tau >= 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("logit adjustment tau must be a finite value >= 0, got " + tau);
        }
    }

    public boolean enabled() {
        return tau > 0;
    }

    /**
     * The additive offset of each class for a batch with these labelled counts: {@code tau * log(count)}, and
     * negative infinity (out of the softmax) for a class the batch has no labelled sample of.
     */
    public double[] offsets(int[] classCounts) {
        double[] out = new double[classCounts.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = classCounts[k] > 0 ? tau * Math.log(classCounts[k]) : Double.NEGATIVE_INFINITY;
        }
        return out;
    }
}
