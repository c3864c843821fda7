package byot.stream.model.exit;

import byot.stream.model.graph.InferenceGraph;
import byot.stream.model.graph.Names;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Inference with early exit over an immutable snapshot of a model's weights.
 *
 * <p>{@link #classify} runs one section at a time on the samples still in play: after each section its
 * exit scores them, those that pass the policy leave, and only the rest are gathered into the next
 * section's batch. Work for exited samples really stops. Given several batches, it can also regroup the
 * samples that stay across them, for throughput.
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
        return classify(List.of(pixels), policy, (int) pixels.size(0));
    }

    /**
     * Classifies several batches together, one stage at a time: every batch runs the first stage as it
     * comes, and the samples that stay are regrouped across batches into batches of up to {@code maxBatch}
     * for each later stage. A stage run costs much the same for 4 samples as for 16 on a CPU, so the few
     * samples each batch sends deeper are cheaper together than one tiny batch each. Decisions are the same
     * as classifying each batch on its own; the survivors of the first batch wait for the last one, so this
     * is for throughput (scoring a data set, a backlog), not for per-event latency.
     *
     * @return one decision per sample, in the order of the batches and of the samples within them
     */
    public List<ExitDecision> classify(List<INDArray> batches, ExitPolicy policy, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        int total = 0;
        List<Chunk> chunks = new ArrayList<>();
        for (INDArray b : batches) {
            int n = (int) b.size(0);
            chunks.add(new Chunk(b, range(total, n)));
            total += n;
        }
        ExitDecision[] decisions = new ExitDecision[total];
        float[][] confidences = new float[total][exits()];
        for (int s = 0; s < exits() && !chunks.isEmpty(); s++) {
            boolean last = s == exits() - 1;
            List<INDArray> stayFeatures = new ArrayList<>();
            List<int[]> stayIds = new ArrayList<>();
            for (Chunk c : chunks) {
                INDArray[] out = last
                        ? graph.run(s, c.input(), Names.probabilities(s))
                        : graph.run(s, c.input(), Names.probabilities(s), Names.sectionOutput(s));
                if (s > 0) {
                    graph.recycle(s - 1, c.input());
                }
                float[][] probs = ProbabilityRows.of(out[0]);
                graph.recycle(s, out[0]);
                int[] stay = new int[c.ids().length];
                int kept = 0;
                for (int r = 0; r < c.ids().length; r++) {
                    int sample = c.ids()[r];
                    int argmax = argmax(probs[r]);
                    confidences[sample][s] = probs[r][argmax];
                    if (policy.exitsAt(s, probs[r])) {
                        decisions[sample] = new ExitDecision(argmax, probs[r][argmax], s + 1,
                                Arrays.copyOf(confidences[sample], s + 1));
                    } else {
                        stay[kept++] = r;
                    }
                }
                boolean passedOn = kept == c.ids().length;
                if (kept > 0) {
                    stayFeatures.add(passedOn ? out[1] : gather(s, out[1], stay, kept));
                    int[] ids = new int[kept];
                    for (int k = 0; k < kept; k++) {
                        ids[k] = c.ids()[stay[k]];
                    }
                    stayIds.add(ids);
                }
                if (!last && !passedOn) {
                    graph.recycle(s, out[1]); // its survivors, if any, were copied out
                }
            }
            chunks = regroup(stayFeatures, stayIds, maxBatch, s);
        }
        return List.of(decisions);
    }

    /** Samples on their way through one stage: their inputs (batch first) and their indices in the result. */
    private record Chunk(INDArray input, int[] ids) {}

    /**
     * The survivors of stage {@code stage} in batches of up to {@code maxBatch}; a single group is passed on
     * untouched, several are copied together and their arrays go back to the stage.
     */
    private List<Chunk> regroup(List<INDArray> features, List<int[]> ids, int maxBatch, int stage) {
        if (features.isEmpty()) {
            return List.of();
        }
        if (features.size() == 1 && ids.get(0).length <= maxBatch) {
            return List.of(new Chunk(features.get(0), ids.get(0)));
        }
        INDArray all = Nd4j.concat(0, features.toArray(new INDArray[0]));
        features.forEach(f -> graph.recycle(stage, f));
        int[] allIds = ids.stream().flatMapToInt(Arrays::stream).toArray();
        List<Chunk> out = new ArrayList<>();
        for (int from = 0; from < allIds.length; from += maxBatch) {
            int to = Math.min(allIds.length, from + maxBatch);
            INDArray part = from == 0 && to == allIds.length ? all
                    : all.get(NDArrayIndex.interval(from, to)).dup();
            out.add(new Chunk(part, Arrays.copyOfRange(allIds, from, to)));
        }
        return out;
    }

    private static int[] range(int from, int count) {
        int[] r = new int[count];
        for (int i = 0; i < count; i++) {
            r[i] = from + i;
        }
        return r;
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
            if (s > 0) {
                graph.recycle(s - 1, x);
            }
            x = s == exits() - 1 ? null : out[1];
        }
        return result;
    }

    /**
     * Softmax of every exit for every sample as Java arrays, [exit][sample][class]: {@link #allExits} read out, its
     * outputs handed back to the stages' array pools (scoring a holdout or a batch every step would otherwise touch
     * fresh pages each time, which this kind of VM charges dearly for).
     */
    public float[][][] exitProbabilities(INDArray pixels) {
        INDArray[] out = allExits(pixels);
        float[][][] probs = new float[out.length][][];
        for (int e = 0; e < out.length; e++) {
            probs[e] = ProbabilityRows.of(out[e]);
            graph.recycle(e, out[e]);
        }
        return probs;
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
            INDArray next = graph.run(s, x, Names.sectionOutput(s))[0];
            if (s > 0) {
                graph.recycle(s - 1, x);
            }
            x = next;
        }
        INDArray result = graph.run(exits() - 1, x, deepestOutput)[0];
        graph.recycle(exits() - 2, x);
        return result;
    }

    /** Rows {@code rows[0..count)} of stage {@code stage}'s output, copied into an array of the stage's pool. */
    private INDArray gather(int stage, INDArray features, int[] rows, int count) {
        long[] shape = features.shape();
        long rest = features.length() / shape[0];
        long[] outShape = shape.clone();
        outShape[0] = count;
        INDArray picked = graph.borrow(stage, outShape);
        Nd4j.pullRows(features.reshape(shape[0], rest), picked.reshape(count, rest), 1, Arrays.copyOf(rows, count));
        return picked;
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
