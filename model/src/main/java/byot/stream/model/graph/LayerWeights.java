package byot.stream.model.graph;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Declares a layer's weights in {@link Parameters}: names, shapes and initialisation in one place, so every
 * way of running the network (the SameDiff graphs and the eager training engine) draws the same start
 * values for the same names.
 */
public final class LayerWeights {

    /** A batch norm's four tensors: scale and shift (trained) and the running statistics. */
    public record BatchNorm(INDArray gamma, INDArray beta, INDArray runningMean, INDArray runningVar) {}

    /** The name suffix of a batch norm's running variance. */
    public static final String RUNNING_VARIANCE = "/bn/var";

    private LayerWeights() {
    }

    /** Whether a running statistic is a variance, and so must not be negative: sqrt(var + eps) of one is NaN. */
    public static boolean isRunningVariance(String name) {
        return name.endsWith(RUNNING_VARIANCE);
    }

    /** He initialisation for ReLU networks; layout [kH, kW, in, out] is SameDiff's default for conv2d. */
    public static INDArray conv(Parameters params, String name, int inPerGroup, int outChannels, int kernel) {
        return params.normalWeight(name + "/w", Math.sqrt(2.0 / (kernel * kernel * inPerGroup)),
                kernel, kernel, inPerGroup, outChannels);
    }

    public static BatchNorm batchNorm(Parameters params, String name, int channels) {
        return new BatchNorm(params.constantWeight(name + "/bn/gamma", 1.0, channels),
                params.constantWeight(name + "/bn/beta", 0.0, channels),
                params.runningStat(name + "/bn/mean", 0.0, channels),
                params.runningStat(name + RUNNING_VARIANCE, 1.0, channels));
    }

    /** Weight [in, classes] of a dense classifier layer. */
    public static INDArray denseWeight(Parameters params, String name, int in, int classes) {
        return params.normalWeight(name + "/w", Math.sqrt(1.0 / in), in, classes);
    }

    public static INDArray denseBias(Parameters params, String name, int classes) {
        return params.constantWeight(name + "/b", 0.0, classes);
    }
}
