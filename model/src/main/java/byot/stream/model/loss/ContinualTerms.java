package byot.stream.model.loss;

import java.io.Serializable;
import java.util.Objects;

/**
 * What a stream learner adds to the paper's loss: self-distillation on events without a label, and cross-entropy
 * adjusted for batches that are not class-balanced. Offline training uses {@link #NONE}.
 */
public record ContinualTerms(UnlabelledDistillation unlabelled, LogitAdjustment logitAdjustment) implements Serializable {

    public static final ContinualTerms NONE = new ContinualTerms(UnlabelledDistillation.OFF, LogitAdjustment.OFF);

    public ContinualTerms {
        Objects.requireNonNull(unlabelled, "unlabelled");
        Objects.requireNonNull(logitAdjustment, "logitAdjustment");
    }

    /** Only the unlabelled term. */
    public static ContinualTerms of(UnlabelledDistillation unlabelled) {
        return new ContinualTerms(unlabelled, LogitAdjustment.OFF);
    }
}
