package byot.stream.jobs.train;

import byot.stream.model.data.ImageArrays;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitPolicy;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Measures real inference throughput (not MAC estimates) over prepared batches of a data set. */
public final class ThroughputProbe {

    private final List<INDArray> batches = new ArrayList<>();
    private final int images;

    public ThroughputProbe(ImageArrays data, int batchSize, int maxImages) {
        int n = Math.min(data.size(), maxImages) / batchSize * batchSize;
        for (int start = 0; start < n; start += batchSize) {
            int[] idx = new int[batchSize];
            for (int i = 0; i < batchSize; i++) {
                idx[i] = start + i;
            }
            batches.add(data.batch(idx, null, null));
        }
        this.images = n;
        if (n == 0) {
            throw new IllegalArgumentException("need at least one batch of " + batchSize + " images to time inference");
        }
    }

    /** Images per second of early exit under {@code policy}; one warm-up pass first. */
    public double earlyExit(EarlyExitClassifier classifier, ExitPolicy policy) {
        classifier.classify(batches.get(0), policy);
        long start = System.nanoTime();
        for (INDArray b : batches) {
            classifier.classify(b, policy);
        }
        return images / ((System.nanoTime() - start) / 1e9);
    }

    /** Images per second of a plain forward pass to the deepest classifier, no shallow heads. */
    public double fullDepth(EarlyExitClassifier classifier) {
        classifier.fullDepth(batches.get(0));
        long start = System.nanoTime();
        for (INDArray b : batches) {
            classifier.fullDepth(b);
        }
        return images / ((System.nanoTime() - start) / 1e9);
    }
}
