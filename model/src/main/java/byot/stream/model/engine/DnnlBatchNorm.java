package byot.stream.model.engine;

import byot.stream.model.onednn.OneDnn;
import java.util.Arrays;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch norm with batch statistics, optionally followed by ReLU, on an NHWC map at one batch size, on oneDNN
 * primitives made once and kept: the training forward pass (scale and shift, the ReLU fused in) with the batch's
 * mean and biased variance given by the caller, and the full backward pass (to the input, the scale and the
 * shift, the statistics' dependence on the input included). With the ReLU fused, the forward pass keeps which
 * outputs were positive in a workspace of its own, which the backward pass reads; so a backward call belongs to
 * the forward call before it.
 *
 * <p>Why: written with ND4J's ops, the layer walked its map six times forward and nine times backward, one op
 * call each; oneDNN's kernels do it in two passes each way.
 */
final class DnnlBatchNorm extends DnnlLayer {

    private final long mapSize;
    private final long channels;
    private final memory x;
    private final memory y;
    private final memory gamma;
    private final memory beta;
    private final memory mean;
    private final memory variance;
    private final memory dy;
    private final memory dx;
    private final memory dGamma;
    private final memory dBeta;
    private final Step forward;
    private final Step backward;

    /** @param epsilon added to the variance before its square root, as the graph's batch norm */
    DnnlBatchNorm(OneDnn onednn, long batch, long height, long width, long channels, boolean relu, float epsilon) {
        super(onednn);
        this.channels = channels;
        this.mapSize = batch * height * width * channels;
        memory.desc map = own(OneDnn.f32(new long[] {batch, channels, height, width}, memory.format_tag.nhwc));
        memory.desc perChannel = own(OneDnn.f32(new long[] {channels}, memory.format_tag.a));
        int flags = dnnl.dnnl_use_scale | dnnl.dnnl_use_shift | (relu ? dnnl.dnnl_fuse_norm_relu : 0);
        // The forward pass takes the statistics from the caller ("global" in oneDNN's words, though they are this
        // batch's); the backward pass still differentiates through them, as it is made without that flag.
        int forwardFlags = flags | dnnl.dnnl_use_global_stats;

        primitive_attr attr = own(new primitive_attr());
        attr.set_scratchpad_mode(dnnl.scratchpad_mode.user);
        batch_normalization_forward.primitive_desc forwardPd = own(new batch_normalization_forward.primitive_desc(
                own(new batch_normalization_forward.desc(dnnl.prop_kind.forward_training.value, map, epsilon, forwardFlags)),
                attr, onednn.cpu));
        batch_normalization_backward.primitive_desc backwardPd = own(new batch_normalization_backward.primitive_desc(
                own(new batch_normalization_backward.desc(dnnl.prop_kind.backward.value, map, map, epsilon, flags)),
                attr, onednn.cpu, forwardPd));

        x = user(map);
        y = user(map);
        dy = user(map);
        dx = user(map);
        gamma = user(perChannel);
        beta = user(perChannel);
        mean = user(perChannel);
        variance = user(perChannel);
        dGamma = user(perChannel);
        dBeta = user(perChannel);
        memory workspace = relu ? allocated(own(forwardPd.workspace_desc())) : null;

        Object[] forwardArgs = {dnnl.DNNL_ARG_SRC, x, dnnl.DNNL_ARG_SCALE, gamma, dnnl.DNNL_ARG_SHIFT, beta,
                dnnl.DNNL_ARG_MEAN, mean, dnnl.DNNL_ARG_VARIANCE, variance, dnnl.DNNL_ARG_DST, y};
        Object[] backwardArgs = {dnnl.DNNL_ARG_SRC, x, dnnl.DNNL_ARG_SCALE, gamma, dnnl.DNNL_ARG_SHIFT, beta,
                dnnl.DNNL_ARG_MEAN, mean, dnnl.DNNL_ARG_VARIANCE, variance, dnnl.DNNL_ARG_DIFF_DST, dy,
                dnnl.DNNL_ARG_DIFF_SRC, dx, dnnl.DNNL_ARG_DIFF_SCALE, dGamma, dnnl.DNNL_ARG_DIFF_SHIFT, dBeta};
        forward = step(own(new batch_normalization_forward(forwardPd)), forwardPd, withWorkspace(forwardArgs, workspace));
        backward = step(own(new batch_normalization_backward(backwardPd)), backwardPd, withWorkspace(backwardArgs, workspace));
    }

    /** y = [relu](gamma * (x - mean) / sqrt(var + eps) + beta), with the batch's mean and variance given, [C] each. */
    void forward(INDArray input, INDArray gammaArray, INDArray betaArray, INDArray output, INDArray batchMean,
                 INDArray batchVariance) {
        bindInputs(input, gammaArray, betaArray, batchMean, batchVariance);
        bind(y, output, mapSize);
        run(forward);
    }

    /**
     * Writes (does not add) the input's, the scale's and the shift's gradients; the statistics are the forward
     * call's.
     */
    void backward(INDArray input, INDArray gammaArray, INDArray betaArray, INDArray batchMean, INDArray batchVariance,
                  INDArray outputGrad, INDArray inputGrad, INDArray gammaGrad, INDArray betaGrad) {
        bindInputs(input, gammaArray, betaArray, batchMean, batchVariance);
        bind(dy, outputGrad, mapSize);
        bind(dx, inputGrad, mapSize);
        bind(dGamma, gammaGrad, channels);
        bind(dBeta, betaGrad, channels);
        run(backward);
    }

    /** What both passes read: the input map, the scale and shift, and the batch's statistics. */
    private void bindInputs(INDArray input, INDArray gammaArray, INDArray betaArray, INDArray batchMean,
                            INDArray batchVariance) {
        bind(x, input, mapSize);
        bind(gamma, gammaArray, channels);
        bind(beta, betaArray, channels);
        bind(mean, batchMean, channels);
        bind(variance, batchVariance, channels);
    }

    /** The arguments, with the ReLU's mask after them when there is one to keep. */
    private static Object[] withWorkspace(Object[] args, memory workspace) {
        if (workspace == null) {
            return args;
        }
        Object[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = dnnl.DNNL_ARG_WORKSPACE;
        all[args.length + 1] = workspace;
        return all;
    }
}
