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
 */
public record InferenceConfig(int maxBatch, long maxWaitMillis, ExitCriterion criterion, double[] thresholds)
        implements Serializable {

    public InferenceConfig {
        if (maxBatch <= 0) {
            throw new IllegalArgumentException("inference batch size must be > 0, got " + maxBatch);
        }
        if (maxWaitMillis < 0) {
            throw new IllegalArgumentException("max wait must be >= 0 ms, got " + maxWaitMillis);
        }
        thresholds = thresholds.clone();
    }

    public ExitPolicy policy() {
        return new ExitPolicy(criterion, thresholds);
    }
}
