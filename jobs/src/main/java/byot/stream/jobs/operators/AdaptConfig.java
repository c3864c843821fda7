package byot.stream.jobs.operators;

import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.LogitAdjustment;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.loss.UnlabelledDistillation;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import java.io.Serializable;

/**
 * How the fine-tuner learns from the labelled stream: the loss, the optimiser, how steps are batched and how often
 * a new model version goes out.
 *
 * @param seed       drives the replay reservoir's sampling
 * @param unlabelled self-distillation on a sample of the unlabelled events
 * @param gate       the check a candidate version passes before it is published
 * @param logitAdjustment cross-entropy adjusted for batches whose classes are not balanced (a stream whose labels
 *                   come one class at a time)
 */
public record AdaptConfig(DistillationConfig distillation, SgdConfig sgd, Batching batching, Publishing publishing, long seed,
                          Unlabelled unlabelled, Gate gate, LogitAdjustment logitAdjustment)
        implements Serializable {

    /** Without unlabelled learning and without a publish gate. */
    public AdaptConfig(DistillationConfig distillation, SgdConfig sgd, Batching batching, Publishing publishing, long seed) {
        this(distillation, sgd, batching, publishing, seed, Unlabelled.OFF, Gate.OFF);
    }

    /** With plain cross-entropy. */
    public AdaptConfig(DistillationConfig distillation, SgdConfig sgd, Batching batching, Publishing publishing, long seed,
                       Unlabelled unlabelled, Gate gate) {
        this(distillation, sgd, batching, publishing, seed, unlabelled, gate, LogitAdjustment.OFF);
    }

    /**
     * @param share        fraction of the unlabelled events sampled into the learner ({@link LearnerSample}); 0: off
     * @param distillation the loss term they add; its weight must be above 0 when the share is
     */
    public record Unlabelled(double share, UnlabelledDistillation distillation) implements Serializable {
        public static final Unlabelled OFF = new Unlabelled(0, UnlabelledDistillation.OFF);

        public Unlabelled {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("unlabelled-share must be in [0, 1], got " + share);
            }
            if (share > 0 && !distillation.enabled()) {
                throw new IllegalArgumentException("unlabelled events sampled (unlabelled-share " + share
                        + ") but their loss weight is 0: set unlabelled-weight > 0, or unlabelled-share 0");
            }
        }

        public boolean enabled() {
            return share > 0;
        }
    }

    /**
     * @param holdoutEvery every this many labelled events one goes to the holdout instead of training; 0: no gate
     * @param holdoutSize  the newest held-out events a candidate is scored on
     * @param margin       a candidate more than this below the served version's accuracy (mean over exits) is refused
     */
    public record Gate(int holdoutEvery, int holdoutSize, double margin) implements Serializable {
        public static final Gate OFF = new Gate(0, 1, 0);

        public Gate {
            if (holdoutEvery < 0 || holdoutEvery == 1) {
                throw new IllegalArgumentException("holdout-every must be 0 (no gate) or >= 2 (1 would leave nothing to train on), got "
                        + holdoutEvery);
            }
            if (holdoutSize <= 0) {
                throw new IllegalArgumentException("holdout-size must be > 0, got " + holdoutSize);
            }
            if (!(margin >= 0 && margin <= 1)) {
                throw new IllegalArgumentException("gate-margin must be in [0, 1], got " + margin);
            }
        }

        public boolean enabled() {
            return holdoutEvery > 0;
        }
    }

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
        java.util.Objects.requireNonNull(unlabelled, "unlabelled");
        java.util.Objects.requireNonNull(gate, "gate");
        java.util.Objects.requireNonNull(logitAdjustment, "logitAdjustment");
        // Fail at construction, on the client, rather than when the job starts on a cluster.
        if (distillation.mode() == TrainingMode.KD) {
            throw new IllegalArgumentException("kd needs a separate teacher and is offline only");
        }
        if (sgd.schedule() != LrSchedule.CONSTANT) {
            throw new IllegalArgumentException("a continual learner has no horizon: use a constant learning rate, not " + sgd.schedule());
        }
    }
}
