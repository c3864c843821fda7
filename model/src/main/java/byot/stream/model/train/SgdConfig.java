package byot.stream.model.train;

import java.io.Serializable;

/**
 * SGD with momentum and decoupled-from-nothing L2 weight decay (added to the gradient, as in PyTorch's SGD).
 *
 * @param totalSteps the schedule's horizon; a continual learner passes 0 and uses {@link LrSchedule#CONSTANT}
 */
public record SgdConfig(double learningRate, double momentum, double weightDecay, LrSchedule schedule, long totalSteps)
        implements Serializable {

    /** A continual learner has no horizon: a constant rate. */
    public static SgdConfig constantRate(double learningRate, double momentum, double weightDecay) {
        return new SgdConfig(learningRate, momentum, weightDecay, LrSchedule.CONSTANT, 0);
    }

    public static SgdConfig paperDefaults(long totalSteps) {
        return new SgdConfig(0.1, 0.9, 5e-4, LrSchedule.COSINE, totalSteps);
    }

    public SgdConfig {
        if (!(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {   // written so that NaN fails too
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
        }
    }

    public double rateAt(long step) {
        return schedule.rate(learningRate, step, totalSteps);
    }
}
