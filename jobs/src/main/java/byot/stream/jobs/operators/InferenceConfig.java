package byot.stream.jobs.operators;

import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.exit.ExitPolicy;
import java.io.Serializable;

/**
 * How the inference operator batches and exits.
 *
 * @param maxBatch      events per micro-batch at most
 * @param maxWaitMillis longest an event waits for its batch to fill
 * @param thresholds    one per shallow exit (see {@link ExitPolicy})
 * @param maxModelBytes model updates with a bigger payload are refused (the served model keeps serving)
 * @param ownSwapThread model updates are decoded, checked and warmed on a thread of the operator's own instead of
 *                      the task thread, which only swaps a ready snapshot in ({@link ModelPreparer})
 */
public record InferenceConfig(int maxBatch, long maxWaitMillis, ExitCriterion criterion, double[] thresholds,
                              int maxModelBytes, boolean ownSwapThread) implements Serializable {

    /** Kafka's own request limit is far below this; a model beyond it is a mistake or an attack. */
    public static final int DEFAULT_MAX_MODEL_BYTES = 60 << 20;

    public InferenceConfig(int maxBatch, long maxWaitMillis, ExitCriterion criterion, double[] thresholds) {
        this(maxBatch, maxWaitMillis, criterion, thresholds, DEFAULT_MAX_MODEL_BYTES);
    }

    public InferenceConfig(int maxBatch, long maxWaitMillis, ExitCriterion criterion, double[] thresholds, int maxModelBytes) {
        this(maxBatch, maxWaitMillis, criterion, thresholds, maxModelBytes, true);
    }

    /** The same, with model updates prepared on the task thread (swaps happen where the update arrives). */
    public InferenceConfig onTaskThread() {
        return new InferenceConfig(maxBatch, maxWaitMillis, criterion, thresholds, maxModelBytes, false);
    }

    /** The same, exiting at these thresholds. */
    public InferenceConfig withThresholds(double[] other) {
        return new InferenceConfig(maxBatch, maxWaitMillis, criterion, other, maxModelBytes, ownSwapThread);
    }

    public InferenceConfig {
        if (maxBatch <= 0) {
            throw new IllegalArgumentException("inference batch size must be > 0, got " + maxBatch);
        }
        if (maxWaitMillis < 0) {
            throw new IllegalArgumentException("max wait must be >= 0 ms, got " + maxWaitMillis);
        }
        if (maxModelBytes <= 0) {
            throw new IllegalArgumentException("max model bytes must be > 0, got " + maxModelBytes);
        }
        thresholds = thresholds.clone();
    }

    public ExitPolicy policy() {
        return new ExitPolicy(criterion, thresholds);
    }
}
