package byot.stream.tools.train;

import byot.stream.model.data.ImageArrays;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Measures real inference throughput (not MAC estimates) over prepared batches of a data set.
 *
 * <p>Single timed passes on a shared VM spread by tens of percent, enough to make a threshold sweep
 * non-monotone. So every round times full depth and then each policy on the same batches, the order
 * reversing every other round, and the figures are medians over rounds; each speed-up is the median of
 * per-round ratios, so a slow round slows both sides of its own ratio.
 */
public final class ThroughputProbe {

    private final List<INDArray> batches = new ArrayList<>();
    private final int images;
    private final int batchSize;
    private final boolean regroupSurvivors;

    /**
     * @param regroupSurvivors time early exit with the samples that stay regrouped across all batches into
     *                         batches of {@code batchSize} at each later stage, instead of batch by batch
     */
    public ThroughputProbe(ImageArrays data, int batchSize, int maxImages, boolean regroupSurvivors) {
        int n = Math.min(data.size(), maxImages) / batchSize * batchSize;
        if (n == 0) {
            throw new IllegalArgumentException("need at least one batch of " + batchSize + " images to time inference");
        }
        for (int start = 0; start < n; start += batchSize) {
            int[] idx = new int[batchSize];
            for (int i = 0; i < batchSize; i++) {
                idx[i] = start + i;
            }
            batches.add(data.batch(idx, null, null));
        }
        this.images = n;
        this.batchSize = batchSize;
        this.regroupSurvivors = regroupSurvivors;
    }

    /**
     * Medians over interleaved rounds.
     *
     * @param rates images per second of each policy, in the order given
     * @param speedups median per-round ratio of each policy's rate to full depth's
     */
    public record Timings(int rounds, int imagesPerPass, double fullDepthRate, double[] rates, double[] speedups) {
    }

    /**
     * Times full depth and every policy in {@code rounds} interleaved rounds, after one untimed pass of each;
     * {@code roundDone} hears the number of each finished round, for progress on long sweeps.
     */
    public Timings compare(EarlyExitClassifier classifier, List<ExitPolicy> policies, int rounds, IntConsumer roundDone) {
        if (rounds < 1) {
            throw new IllegalArgumentException("need at least one timing round, got " + rounds);
        }
        int p = policies.size();
        classifier.fullDepth(batches.get(0));
        for (ExitPolicy policy : policies) {
            earlyExit(classifier, policy);
        }
        double[] full = new double[rounds];
        double[][] rate = new double[p][rounds];
        double[][] ratio = new double[p][rounds];
        for (int r = 0; r < rounds; r++) {
            full[r] = fullDepth(classifier);
            for (int k = 0; k < p; k++) {
                int i = r % 2 == 0 ? k : p - 1 - k;
                rate[i][r] = earlyExit(classifier, policies.get(i));
            }
            for (int i = 0; i < p; i++) {
                ratio[i][r] = rate[i][r] / full[r];
            }
            roundDone.accept(r + 1);
        }
        double[] rates = new double[p];
        double[] speedups = new double[p];
        for (int i = 0; i < p; i++) {
            rates[i] = median(rate[i]);
            speedups[i] = median(ratio[i]);
        }
        return new Timings(rounds, images, median(full), rates, speedups);
    }

    private double earlyExit(EarlyExitClassifier classifier, ExitPolicy policy) {
        long start = System.nanoTime();
        if (regroupSurvivors) {
            classifier.classify(batches, policy, batchSize);
        } else {
            for (INDArray b : batches) {
                classifier.classify(b, policy);
            }
        }
        return images / ((System.nanoTime() - start) / 1e9);
    }

    /** A plain forward pass to the deepest classifier, no shallow heads. */
    private double fullDepth(EarlyExitClassifier classifier) {
        long start = System.nanoTime();
        for (INDArray b : batches) {
            classifier.fullDepth(b);
        }
        return images / ((System.nanoTime() - start) / 1e9);
    }

    // Kept by hand: a handful of fractional rates and ratios, where the middle pair is averaged; HdrHistogram
    // records integers (DoubleHistogram: bucketed values) and answers nearest-rank, not this median.
    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
