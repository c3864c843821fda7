package byot.stream.model.nd4j;

import byot.stream.model.nd4j.StageProgram.Kind;
import byot.stream.model.nd4j.StageProgram.Step;
import byot.stream.model.onednn.InferenceConvolution;
import byot.stream.model.onednn.OneDnn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rewrites a stage program's steps so that its convolutions run on oneDNN ({@link InferenceConvolution}) with
 * what follows them fused in. Kept apart from {@link StageProgram}, which runs steps, because it changes for
 * other reasons: which graph patterns oneDNN can absorb.
 */
final class ConvolutionFusion {

    private final OneDnn onednn;
    private final INDArray[] constants;
    /** Each slot's shape with a batch of 2. */
    private final long[][] slotShapes;

    ConvolutionFusion(OneDnn onednn, INDArray[] constants, long[][] slotShapes) {
        this.onednn = onednn;
        this.constants = constants;
        this.slotShapes = slotShapes;
    }

    /**
     * {@code steps} with each NHWC convolution replaced by one on oneDNN, with the ReLU, residual add, or add and
     * ReLU that alone read its output folded in. The fused step takes the place of the last op it absorbs, where
     * all its inputs are computed; the absorbed outputs no longer exist, and their slots are added to
     * {@code fusedAway}.
     */
    List<Step> fuse(List<Step> steps, int slotCount, Set<Integer> fusedAway) {
        int[] readers = new int[slotCount];
        int[] reader = new int[slotCount];
        for (int i = 0; i < steps.size(); i++) {
            for (int k : steps.get(i).inputs()) {
                readers[k]++;
                reader[k] = i;
            }
        }
        Step[] fused = steps.toArray(Step[]::new);
        for (int i = 0; i < fused.length; i++) {
            Step c = fused[i];
            InferenceConvolution.Geometry g = c == null || c.kind() != Kind.CUSTOM ? null : geometry(c);
            if (g == null) {
                continue;
            }
            InferenceConvolution.PostOps post = InferenceConvolution.PostOps.NONE;
            int at = i;
            int output = c.output();
            int residual = -1;
            List<Integer> absorbed = new ArrayList<>();
            Step next = soleReader(output, readers, reader, fused);
            if (next != null && next.isAdd()) {
                int other = next.inputs()[0] == output ? next.inputs()[1] : next.inputs()[0];
                if (Arrays.equals(slotShapes[other], slotShapes[output]) && other != c.inputs()[0]) {
                    absorbed.add(output);
                    residual = other;
                    at = reader[output];
                    output = next.output();
                    post = InferenceConvolution.PostOps.SUM;
                    next = soleReader(output, readers, reader, fused);
                } else {
                    next = null;
                }
            }
            if (next != null && next.isRelu()) {
                absorbed.add(output);
                at = reader[output];
                output = next.output();
                post = post.sums() ? InferenceConvolution.PostOps.SUM_RELU : InferenceConvolution.PostOps.RELU;
            }
            INDArray bias = c.inputs().length == 3 ? constants[c.inputs()[2]] : null;
            InferenceConvolution conv = new InferenceConvolution(onednn, g, constants[c.inputs()[1]], bias, post);
            int[] inputs = residual < 0 ? new int[] {c.inputs()[0]} : new int[] {c.inputs()[0], residual};
            long[] shape = fused[at].shapeAfterBatch();
            fused[i] = null;
            for (int k = i + 1; k < at; k++) {
                Step s = fused[k];
                if (s != null && absorbed.contains(s.output())) {
                    fused[k] = null;
                }
            }
            fused[at] = new Step(Kind.CONV, null, 0, null, inputs, output, shape, false, conv);
            fusedAway.addAll(absorbed);
        }
        List<Step> result = new ArrayList<>();
        for (Step s : fused) {
            if (s != null) {
                result.add(s);
            }
        }
        return result;
    }

    /** The step that alone reads {@code slot}, if it is still there to absorb. */
    private static Step soleReader(int slot, int[] readers, int[] reader, Step[] steps) {
        return readers[slot] == 1 && steps[reader[slot]] != null && steps[reader[slot]].kind() != Kind.CONV
                ? steps[reader[slot]] : null;
    }

    /**
     * The geometry of a conv2d step oneDNN can run as {@link InferenceConvolution} does (NHWC, [kH, kW, in, out]
     * constant weights, square kernel and stride, padding k/2, no dilation), or {@code null}.
     */
    private InferenceConvolution.Geometry geometry(Step s) {
        if (!s.custom().opName().equals("conv2d") || s.inputs().length < 2 || s.inputs().length > 3
                || constants[s.inputs()[1]] == null || (s.inputs().length == 3 && constants[s.inputs()[2]] == null)) {
            return null;
        }
        long[] a = s.custom().iArgs();
        // kH, kW, sH, sW, pH, pW, dH, dW, same mode, data format (1: NHWC), weight format (0: [kH, kW, in, out])
        if (a.length < 10 || a[0] != a[1] || a[2] != a[3] || a[4] != a[0] / 2 || a[5] != a[4] || a[6] != 1
                || a[7] != 1 || a[8] != 0 || a[9] != 1 || (a.length > 10 && a[10] != 0)) {
            return null;
        }
        long[] in = slotShapes[s.inputs()[0]];
        long[] w = constants[s.inputs()[1]].shape();
        if (in.length != 4 || w.length != 4 || w[0] != a[0] || w[1] != a[0] || w[2] != in[3]) {
            return null;
        }
        return new InferenceConvolution.Geometry(in[1], in[2], in[3], w[3], (int) a[0], (int) a[2]);
    }
}
