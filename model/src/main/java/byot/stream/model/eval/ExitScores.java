package byot.stream.model.eval;

import byot.stream.model.data.ImageArrays;
import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The softmax of every exit on every sample of a labelled set, computed once. Accuracy per exit, the
 * ensemble, and any early-exit policy can then be evaluated without running the network again, which
 * is what makes threshold sweeps and calibration cheap.
 */
public final class ExitScores {

    private final float[][][] probs; // [exit][sample][class]
    private final int[] labels;
    private final long[] macsToExit;

    public ExitScores(float[][][] probs, int[] labels, long[] macsToExit) {
        this.probs = probs;
        this.labels = labels;
        this.macsToExit = macsToExit;
    }

    public static ExitScores compute(EarlyExitClassifier classifier, ImageArrays data, int batchSize) {
        return compute(classifier, data.labels(), batchSize, (from, to) -> {
            int[] idx = new int[to - from];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = from + i;
            }
            return data.batch(idx, null, null);
        });
    }

    /** The model's input for samples {@code [from, to)}, a fresh array the caller closes. */
    @FunctionalInterface
    public interface Batches {
        INDArray pixels(int from, int to);
    }

    /**
     * Every exit's output on the samples {@code labels} stands for, run {@code batchSize} at a time, each batch's
     * input closed once scored.
     */
    public static ExitScores compute(EarlyExitClassifier classifier, int[] labels, int batchSize, Batches batches) {
        int exits = classifier.exits();
        float[][][] probs = new float[exits][labels.length][];
        for (int start = 0; start < labels.length; start += batchSize) {
            float[][][] out;
            try (INDArray batch = batches.pixels(start, Math.min(labels.length, start + batchSize))) {
                out = classifier.exitProbabilities(batch);
            }
            for (int e = 0; e < exits; e++) {
                System.arraycopy(out[e], 0, probs[e], start, out[e].length);
            }
        }
        long[] macs = new long[exits];
        for (int e = 0; e < exits; e++) {
            macs[e] = classifier.macsToExit(e);
        }
        return new ExitScores(probs, labels, macs);
    }

    /** The samples at {@code indices}, in that order: random calibration windows and the rest held out. */
    public ExitScores subset(int[] indices) {
        float[][][] part = new float[probs.length][indices.length][];
        int[] partLabels = new int[indices.length];
        for (int j = 0; j < indices.length; j++) {
            for (int e = 0; e < probs.length; e++) {
                part[e][j] = probs[e][indices[j]];
            }
            partLabels[j] = labels[indices[j]];
        }
        return new ExitScores(part, partLabels, macsToExit);
    }

    /** Sample {@code i}'s softmax at every exit, [exit][class] (the arrays themselves: do not change them). */
    public float[][] sample(int i) {
        float[][] rows = new float[probs.length][];
        for (int e = 0; e < probs.length; e++) {
            rows[e] = probs[e][i];
        }
        return rows;
    }

    public int label(int i) {
        return labels[i];
    }

    /** The samples in [from, to), e.g. to calibrate on one part of a split and check on another. */
    public ExitScores slice(int from, int to) {
        float[][][] part = new float[probs.length][][];
        for (int e = 0; e < probs.length; e++) {
            part[e] = java.util.Arrays.copyOfRange(probs[e], from, to);
        }
        return new ExitScores(part, java.util.Arrays.copyOfRange(labels, from, to), macsToExit);
    }

    public int exits() {
        return probs.length;
    }

    public int size() {
        return labels.length;
    }

    public long[] macsToExit() {
        return macsToExit.clone();
    }

    public double accuracy(int exit) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += EarlyExitClassifier.argmax(probs[exit][i]) == labels[i] ? 1 : 0;
        }
        return (double) correct / labels.length;
    }

    /** Accuracy of the mean of all exits' softmax outputs. */
    public double ensembleAccuracy() {
        int correct = 0;
        int classes = probs[0][0].length;
        for (int i = 0; i < labels.length; i++) {
            float[] mean = new float[classes];
            for (float[][] exit : probs) {
                for (int k = 0; k < classes; k++) {
                    mean[k] += exit[i][k];
                }
            }
            correct += EarlyExitClassifier.argmax(mean) == labels[i] ? 1 : 0;
        }
        return (double) correct / labels.length;
    }

    /** Replays early exit under {@code policy} on the stored outputs. */
    public EarlyExitOutcome simulate(ExitPolicy policy) {
        long[] histogram = new long[exits()];
        int correct = 0;
        double depth = 0;
        double macs = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int e = 0; e < exits(); e++) {
                if (policy.exitsAt(e, probs[e][i])) {
                    histogram[e]++;
                    correct += EarlyExitClassifier.argmax(probs[e][i]) == labels[i] ? 1 : 0;
                    depth += e + 1;
                    macs += macsToExit[e];
                    break;
                }
            }
        }
        int n = labels.length;
        return new EarlyExitOutcome(policy, (double) correct / n, depth / n, histogram, macs / n);
    }
}
