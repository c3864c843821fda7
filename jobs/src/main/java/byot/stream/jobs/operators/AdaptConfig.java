package byot.stream.jobs.operators;

import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import java.io.Serializable;

/**
 * How the fine-tuner learns from the labelled stream: the loss, the optimiser, how steps are batched and how often
 * a new model version goes out.
 *
 * @param seed drives the replay reservoir's sampling
 */
public record AdaptConfig(DistillationConfig distillation, SgdConfig sgd, Batching batching, Publishing publishing, long seed)
        implements Serializable {

    /**
     * @param newPerStep     labelled events that trigger one step; they all go into that step's batch
     * @param batchSize      the step's batch: the new events plus replayed ones up to this size
     * @param replayCapacity reservoir of past labelled events mixed into each batch (bounds state size)
     */
    public record Batching(int newPerStep, int batchSize, int replayCapacity) implements Serializable {
        public Batching {
            if (newPerStep <= 0 || batchSize < newPerStep) {
                throw new IllegalArgumentException("need 0 < train-every (" + newPerStep + ") <= train-batch (" + batchSize + ")");
            }
            if (replayCapacity < 0) {
                throw new IllegalArgumentException("replay size must be >= 0, got " + replayCapacity);
            }
        }
    }

    /** A new model version after {@code everySteps} steps, or {@code everySeconds} with at least one step, whichever first. */
    public record Publishing(int everySteps, double everySeconds) implements Serializable {
        public Publishing {
            if (everySteps <= 0) {
                throw new IllegalArgumentException("publish-every-steps must be > 0, got " + everySteps);
            }
            if (!(everySeconds > 0)) {
                throw new IllegalArgumentException("publish-every-seconds must be > 0, got " + everySeconds);
            }
        }
    }

    public AdaptConfig {
        // Fail at construction, on the client, rather than when the job starts on a cluster.
        if (distillation.mode() == TrainingMode.KD) {
            throw new IllegalArgumentException("kd needs a separate teacher and is offline only");
        }
        if (sgd.schedule() != LrSchedule.CONSTANT) {
            throw new IllegalArgumentException("a continual learner has no horizon: use a constant learning rate, not " + sgd.schedule());
        }
    }
}
