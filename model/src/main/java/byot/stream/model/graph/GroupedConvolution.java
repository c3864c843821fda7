package byot.stream.model.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;

/**
 * Grouped 2-D convolution for SameDiff, whose conv2d in ND4J 1.0.0-M2.1 has no groups parameter: the input
 * channels and the weight's output channels are split into {@code groups} equal parts, each part is
 * convolved on its own, and the results are concatenated along the channel axis. Split, conv2d and concat
 * all have gradients, so the layer trains.
 *
 * <p>The weight has the layout of an ungrouped one with a narrower input, {@code [kH, kW, in/groups, out]}:
 * output channels {@code [g*out/groups, (g+1)*out/groups)} read input channels {@code [g*in/groups, (g+1)*in/groups)}.
 * (A single convolution with a block-diagonal weight would compute the same but cost {@code groups} times
 * the multiply-accumulates.)
 */
public final class GroupedConvolution {

    private GroupedConvolution() {
    }

    /** NCHW: @param x input [N, in, H, W]; weight [kH, kW, in/groups, out] */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weight, int groups, Conv2DConfig config) {
        return apply(sd, x, weight, groups, config, 1);
    }

    /**
     * @param x           input [N, in, H, W] or [N, H, W, in] (the config's data format); weight [kH, kW, in/groups, out]
     * @param channelAxis 1 for NCHW, 3 for NHWC
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weight, int groups, Conv2DConfig config,
                                   int channelAxis) {
        if (groups == 1) {
            return sd.cnn().conv2d(x, weight, config);
        }
        SDVariable[] inputs = sd.split(x, groups, channelAxis);
        SDVariable[] weights = sd.split(weight, groups, 3);
        SDVariable[] outputs = new SDVariable[groups];
        for (int g = 0; g < groups; g++) {
            outputs[g] = sd.cnn().conv2d(inputs[g], weights[g], config);
        }
        return sd.concat(channelAxis, outputs);
    }
}
