package byot.stream.jobs.operators;

import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import java.io.Serializable;

/**
 * How the fine-tuner learns from the labelled stream.
 *
 * @param newPerStep          labelled events that trigger one step; they all go into that step's batch
 * @param batchSize           the step's batch: the new events plus replayed ones up to this size
 * @param replayCapacity      reservoir of past labelled events mixed into each batch (bounds state size)
 * @param publishEverySteps   a new model version after this many steps...
 * @param publishEverySeconds ...or this much time with at least one step, whichever comes first
 */
public record AdaptConfig(TrainingMode mode, int newPerStep, int batchSize, int replayCapacity, int publishEverySteps,
                          double publishEverySeconds, double learningRate, double momentum, double weightDecay,
                          double alpha, double hintWeight, double temperature, long seed) implements Serializable {

    public AdaptConfig {
        if (newPerStep <= 0 || batchSize < newPerStep) {
            throw new IllegalArgumentException("need 0 < train-every (" + newPerStep + ") <= train-batch (" + batchSize + ")");
        }
        if (replayCapacity < 0) {
            throw new IllegalArgumentException("replay size must be >= 0, got " + replayCapacity);
        }
        if (publishEverySteps <= 0) {
            throw new IllegalArgumentException("publish-every-steps must be > 0, got " + publishEverySteps);
        }
        // Fail at construction, on the client, rather than when the job starts on a cluster.
        new DistillationConfig(mode, alpha, hintWeight, temperature, 0);
        new SgdConfig(learningRate, momentum, weightDecay, LrSchedule.CONSTANT, 0);
    }

    public DistillationConfig distillation() {
        return new DistillationConfig(mode, alpha, hintWeight, temperature, 0);
    }

    /** A continual learner has no horizon: constant rate. */
    public SgdConfig sgd() {
        return new SgdConfig(learningRate, momentum, weightDecay, LrSchedule.CONSTANT, 0);
    }
}
