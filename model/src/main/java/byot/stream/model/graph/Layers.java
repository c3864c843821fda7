package byot.stream.model.graph;

/**
 * The layer vocabulary backbones are written in. {@link LayerBuilder} turns each call into SameDiff ops
 * and weights; {@link LayerCounter} only follows shapes and counts weights and multiply-accumulates, so a
 * full-width network can be sized without allocating it, from the very same description.
 *
 * <p>Weights of a layer are named after it ({@code name/w}, {@code name/bn/gamma}, ...); names must be
 * unique and stable because model files store weights by name.
 */
public interface Layers {

    /** k x k convolution (padding k/2, no bias), batch norm, optional ReLU. */
    default FeatureMap convBn(String name, FeatureMap x, int outChannels, int kernel, int stride, boolean relu) {
        return convBn(name, x, outChannels, kernel, stride, 1, relu);
    }

    /**
     * Grouped k x k convolution (input and output channels split into {@code groups} independent groups,
     * as in ResNeXt), batch norm, optional ReLU. One group is a plain convolution.
     */
    FeatureMap convBn(String name, FeatureMap x, int outChannels, int kernel, int stride, int groups, boolean relu);

    /** k x k convolution without batch norm or bias, for pre-activation blocks whose norm comes first. */
    FeatureMap conv(String name, FeatureMap x, int outChannels, int kernel, int stride);

    /** Batch norm on its own (pre-activation networks), optional ReLU. */
    FeatureMap batchNorm(String name, FeatureMap x, boolean relu);

    FeatureMap relu(FeatureMap x);

    FeatureMap add(FeatureMap a, FeatureMap b);

    /** 2x2 max pooling, stride 2; an odd side rounds up (28 -> 14 -> 7 -> 4), so small inputs never vanish. */
    FeatureMap maxPool(FeatureMap x);

    /** 2x2 average pooling, stride 2, rounding up like {@link #maxPool}. */
    FeatureMap avgPool(FeatureMap x);

    /** Appends zero channels up to {@code channels} (PyramidNet's parameter-free shortcut). */
    FeatureMap padChannels(FeatureMap x, int channels);

    /** Inverted dropout while training; the identity at inference. */
    FeatureMap dropout(FeatureMap x, double rate);

    /** Output side of a k x k convolution with padding k/2. */
    static int convolved(int size, int kernel, int stride) {
        return (size + 2 * (kernel / 2) - kernel) / stride + 1;
    }

    /** Output side of a 2x2 stride-2 pooling that rounds up. */
    static int pooled(int size) {
        return (size + 1) / 2;
    }

    /** Multiply-accumulates per sample of a (grouped) convolution producing an outH x outW map. */
    static long convMacs(int inChannels, int outChannels, int kernel, int groups, int outH, int outW) {
        return (long) outH * outW * outChannels * (inChannels / groups) * kernel * kernel;
    }

    static void checkGroups(String name, int inChannels, int outChannels, int groups) {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(name + ": " + inChannels + " -> " + outChannels
                    + " channels cannot be split into " + groups + " groups");
        }
    }
}
