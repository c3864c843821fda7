package byot.stream.model.engine;

import byot.stream.model.onednn.OneDnn;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc;
import org.bytedeco.dnnl.reorder;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One bias-free k x k convolution (padding k/2, NHWC maps, weights [kH, kW, in, out]) at one batch size,
 * on oneDNN primitives made once and kept: forward, backward to the weights, and (when the input needs a
 * gradient) backward to the input. They run in place on the ND4J arrays' buffers.
 *
 * <p>Why not libnd4j's conv2d: it makes its oneDNN primitive anew on every call and reorders the weights
 * (and the weight gradient back) each time, for every pass. Here the weights are reordered into the layout
 * oneDNN's kernels want once per training step, in {@link #forward}; the backward pass reuses that copy,
 * so a step's weights must not change between its forward and backward calls (they change between steps).
 */
final class DnnlConvolution extends DnnlLayer {

    /** Memories over the ND4J arrays (their buffers are set at each call) and the primitives' own copies. */
    private final memory x;
    private final memory y;
    private final memory w;
    private final memory dy;
    private final memory dx;
    private final memory dw;

    /** Elements of an input map, an output map and the weights. */
    private final long inputSize;
    private final long outputSize;
    private final long weightSize;

    private final Step forward;
    private final Step weights;
    private final Step data;
    /** User weights to the forward primitive's layout, or {@code null} when it takes them as they are. */
    private final Step wToForward;
    /** User weights to backward-data's layout, when it is neither theirs nor the forward primitive's. */
    private final Step wToData;
    /** The weight gradient from backward-weights' layout to the user's, or {@code null}. */
    private final Step dwToUser;

    /**
     * @param inputGrad whether {@link #backwardData} will be called (the network's first convolution has no
     *                  input gradient to compute)
     */
    DnnlConvolution(OneDnn onednn, long batch, long height, long width, long in, long out, int kernel, int stride,
                    boolean inputGrad) {
        super(onednn);
        long outHeight = convolved(height, kernel, stride);
        long outWidth = convolved(width, kernel, stride);
        long[] strides = {stride, stride};
        // k/2 on both sides, as libnd4j pads: the output size is (size + 2 pad - k) / stride + 1 as there.
        long[] padding = {kernel / 2, kernel / 2};
        inputSize = batch * in * height * width;
        outputSize = batch * out * outHeight * outWidth;
        weightSize = out * in * kernel * kernel;
        memory.desc src = own(OneDnn.f32(new long[] {batch, in, height, width}, memory.format_tag.nhwc));
        memory.desc dst = own(OneDnn.f32(new long[] {batch, out, outHeight, outWidth}, memory.format_tag.nhwc));
        memory.desc userWeights = own(OneDnn.f32(new long[] {out, in, kernel, kernel}, memory.format_tag.hwio));
        memory.desc anyWeights = own(OneDnn.f32(new long[] {out, in, kernel, kernel}, memory.format_tag.any));

        primitive_attr attr = own(new primitive_attr());
        attr.set_scratchpad_mode(dnnl.scratchpad_mode.user);
        convolution_forward.primitive_desc forwardPd = own(new convolution_forward.primitive_desc(
                own(new convolution_forward.desc(dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct,
                        src, anyWeights, dst, strides, padding, padding)), attr, onednn.cpu));
        convolution_backward_weights.primitive_desc weightsPd = own(new convolution_backward_weights.primitive_desc(
                own(new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, src, anyWeights, dst,
                        strides, padding, padding)), attr, onednn.cpu, forwardPd));
        if (kernel == 1 && stride > 1) {
            skipStridedOneByOne(weightsPd);
        }

        x = user(src);
        y = user(dst);
        w = user(userWeights);
        dy = user(dst);
        dx = user(src);
        dw = user(userWeights);

        memory forwardW = layout(forwardPd.weights_desc(), w);
        wToForward = forwardW == w ? null : reorder(w, forwardW);
        forward = step(own(new convolution_forward(forwardPd)), forwardPd,
                dnnl.DNNL_ARG_SRC, x, dnnl.DNNL_ARG_WEIGHTS, forwardW, dnnl.DNNL_ARG_DST, y);

        memory weightsDw = layout(weightsPd.diff_weights_desc(), dw);
        dwToUser = weightsDw == dw ? null : reorder(weightsDw, dw);
        weights = step(own(new convolution_backward_weights(weightsPd)), weightsPd,
                dnnl.DNNL_ARG_SRC, x, dnnl.DNNL_ARG_DIFF_DST, dy, dnnl.DNNL_ARG_DIFF_WEIGHTS, weightsDw);

        if (inputGrad) {
            convolution_backward_data.primitive_desc dataPd = own(new convolution_backward_data.primitive_desc(
                    own(new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, src, anyWeights, dst,
                            strides, padding, padding)), attr, onednn.cpu, forwardPd));
            if (kernel == 1 && stride > 1) {
                skipStridedOneByOne(dataPd);
            }
            memory.desc wanted = own(dataPd.weights_desc());
            memory dataW = wanted.equals(own(forwardPd.weights_desc())) ? forwardW : layout(wanted, w);
            wToData = dataW == w || dataW == forwardW ? null : reorder(w, dataW);
            data = step(own(new convolution_backward_data(dataPd)), dataPd,
                    dnnl.DNNL_ARG_DIFF_DST, dy, dnnl.DNNL_ARG_WEIGHTS, dataW, dnnl.DNNL_ARG_DIFF_SRC, dx);
        } else {
            wToData = null;
            data = null;
        }
    }

    /** y = conv(x, weight); also refreshes this step's reordered copy of the weights. */
    void forward(INDArray input, INDArray weight, INDArray output) {
        bind(x, input, inputSize);
        bind(w, weight, weightSize);
        bind(y, output, outputSize);
        if (wToForward != null) {
            run(wToForward);
        }
        run(forward);
    }

    /** Writes (does not add) the weight gradient of the loss into {@code weightGrad}. */
    void backwardWeights(INDArray input, INDArray outputGrad, INDArray weightGrad) {
        bind(x, input, inputSize);
        bind(dy, outputGrad, outputSize);
        bind(dw, weightGrad, weightSize);
        run(weights);
        if (dwToUser != null) {
            run(dwToUser);
        }
    }

    /** Writes (does not add) the input gradient into {@code inputGrad}; after {@link #forward} of this step. */
    void backwardData(INDArray weight, INDArray outputGrad, INDArray inputGrad) {
        if (data == null) {
            throw new IllegalStateException("made without an input gradient");
        }
        bind(w, weight, weightSize);
        bind(dy, outputGrad, outputSize);
        bind(dx, inputGrad, inputSize);
        if (wToData != null) {
            run(wToData);
        }
        run(data);
    }

    /** The oneDNN implementations chosen, e.g. "jit:avx512_core" (for tests and diagnostics). */
    List<String> implementations() {
        List<String> names = new ArrayList<>();
        for (Step s : data == null ? List.of(forward, weights) : List.of(forward, weights, data)) {
            names.add(s.pd().impl_info_str().getString());
        }
        return names;
    }

    /** {@code userMemory} when the primitive takes that layout, else a memory of its own in the layout it wants. */
    private memory layout(memory.desc wanted, memory userMemory) {
        own(wanted);
        return wanted.equals(own(userMemory.get_desc())) ? userMemory : allocated(wanted);
    }

    private Step reorder(memory from, memory to) {
        return step(own(new reorder(from, to)), null, dnnl.DNNL_ARG_FROM, from, dnnl.DNNL_ARG_TO, to);
    }

    /**
     * Moves a backward primitive off oneDNN 2.5's dedicated 1x1 kernels ("jit_1x1"), which run a strided 1x1
     * convolution as a unit-stride one on a subsampled copy: at batch size 1 (28x28 maps, 8 to 16 channels)
     * the backward-weights one writes past its buffers (glibc aborts on the corrupted heap; a training step
     * crashed in backward-data next). Both backward primitives move, the forward one (brgconv_1x1) is sound.
     * The general direct kernels come next and handle the stride themselves; 1x1 convolutions are a few
     * percent of a step.
     */
    private static void skipStridedOneByOne(primitive_desc pd) {
        while (pd.impl_info_str().getString().contains("1x1")) {
            if (!pd.next_impl()) {
                throw new IllegalStateException("oneDNN has no kernel but its 1x1 one for a strided 1x1 convolution");
            }
        }
    }

    private static long convolved(long size, int kernel, int stride) {
        return (size + 2L * (kernel / 2) - kernel) / stride + 1;
    }
}
