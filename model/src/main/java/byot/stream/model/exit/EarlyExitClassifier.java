package byot.stream.model.exit;

import byot.stream.model.graph.InferenceGraph;
import byot.stream.model.graph.Names;
import byot.stream.model.spec.ModelSpec;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inference with early exit over an immutable snapshot of a model's weights.
 *
 * <p>{@link #classify} runs one section at a time on the samples still in play: after each section its
 * exit scores them, those that pass the policy leave, and only the rest are gathered into the next
 * section's batch. Work for exited samples really stops.
 */
public final class EarlyExitClassifier implements AutoCloseable {

    private final ModelSpec spec;
    private final InferenceGraph graph;
    private final long version;

    public EarlyExitClassifier(ModelSpec spec, InferenceGraph graph, long version) {
        this.spec = spec;
        this.graph = graph;
        this.version = version;
    }

    public ModelSpec spec() {
        return spec;
    }

    /**
     * Frees this snapshot's native memory now; it must not be used afterwards. Whoever replaces a snapshot
     * (a model swap) closes the old one, so memory stays flat however many versions go by.
     */
    @Override
    public void close() {
        graph.close();
    }

    public long version() {
        return version;
    }

    public int exits() {
        return spec.sections();
    }

    public long macsToExit(int exit) {
        return graph.macsToExit(exit);
    }

    public long fullDepthMacs() {
        return graph.fullDepthMacs();
    }

    /** Classifies raw pixels [N, C, H, W] in [0, 255]. */
    public List<ExitDecision> classify(INDArray pixels, ExitPolicy policy) {
        int n = (int) pixels.size(0);
        ExitDecision[] decisions = new ExitDecision[n];
        float[][] confidences = new float[n][exits()];
        int[] alive = new int[n];
        for (int i = 0; i < n; i++) {
            alive[i] = i;
        }
        INDArray x = pixels;
        for (int s = 0; s < exits() && alive.length > 0; s++) {
            boolean last = s == exits() - 1;
            INDArray[] out = last
                    ? graph.run(s, x, Names.probabilities(s))
                    : graph.run(s, x, Names.probabilities(s), Names.sectionOutput(s));
            float[][] probs = out[0].toFloatMatrix();
            int[] stay = new int[alive.length];
            int kept = 0;
            for (int r = 0; r < alive.length; r++) {
                int sample = alive[r];
                int argmax = argmax(probs[r]);
                confidences[sample][s] = probs[r][argmax];
                if (policy.exitsAt(s, probs[r])) {
                    decisions[sample] = new ExitDecision(argmax, probs[r][argmax], s + 1,
                            Arrays.copyOf(confidences[sample], s + 1));
                } else {
                    stay[kept++] = r;
                }
            }
            if (!last && kept > 0) {
                x = kept == alive.length ? out[1] : gather(out[1], stay, kept);
                int[] next = new int[kept];
                for (int k = 0; k < kept; k++) {
                    next[k] = alive[stay[k]];
                }
                alive = next;
            } else {
                alive = new int[0];
            }
        }
        return List.of(decisions);
    }

    /** Softmax of every exit for every sample: [exit] -> [N, classes]. Runs every section and head. */
    public INDArray[] allExits(INDArray pixels) {
        INDArray[] result = new INDArray[exits()];
        INDArray x = pixels;
        for (int s = 0; s < exits(); s++) {
            INDArray[] out = s == exits() - 1
                    ? graph.run(s, x, Names.probabilities(s))
                    : graph.run(s, x, Names.probabilities(s), Names.sectionOutput(s));
            result[s] = out[0];
            x = s == exits() - 1 ? null : out[1];
        }
        return result;
    }

    /** Deepest-exit softmax through the backbone only, skipping the shallow heads: the full-depth reference. */
    public INDArray fullDepth(INDArray pixels) {
        return throughBackbone(pixels, Names.probabilities(exits() - 1));
    }

    /** Logits of the deepest exit, the teacher signal in classic distillation. */
    public INDArray deepestLogits(INDArray pixels) {
        return throughBackbone(pixels, Names.logits(exits() - 1));
    }

    private INDArray throughBackbone(INDArray pixels, String deepestOutput) {
        INDArray x = pixels;
        for (int s = 0; s < exits() - 1; s++) {
            x = graph.run(s, x, Names.sectionOutput(s))[0];
        }
        return graph.run(exits() - 1, x, deepestOutput)[0];
    }

    private static INDArray gather(INDArray features, int[] rows, int count) {
        long[] shape = features.shape();
        INDArray flat = features.reshape(shape[0], features.length() / shape[0]);
        INDArray picked = Nd4j.pullRows(flat, 1, Arrays.copyOf(rows, count));
        long[] outShape = shape.clone();
        outShape[0] = count;
        return picked.reshape(outShape);
    }

    /** Index of the largest value; the first one on ties. */
    public static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }
}
