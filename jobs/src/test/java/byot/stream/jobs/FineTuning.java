package byot.stream.jobs;

import byot.stream.jobs.operators.AdaptConfig;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.train.SgdConfig;

/** The fine-tuning the tests run: BYOT with the paper's loss weights, steps of 8 new events in batches of 16. */
public final class FineTuning {

    private FineTuning() {
    }

    /** Seed 0 and a constant learning rate of 0.05; the tests differ only in replay size and how often they publish. */
    public static AdaptConfig byot(int replayCapacity, int publishEverySteps, double publishEverySeconds) {
        return byot(replayCapacity, publishEverySteps, publishEverySeconds, 0);
    }

    public static AdaptConfig byot(int replayCapacity, int publishEverySteps, double publishEverySeconds, long seed) {
        return new AdaptConfig(DistillationConfig.defaults(TrainingMode.BYOT), SgdConfig.constantRate(0.05, 0.9, 5e-4),
                new AdaptConfig.Batching(8, 16, replayCapacity),
                new AdaptConfig.Publishing(publishEverySteps, publishEverySeconds), seed);
    }
}
