package byot.stream.model.graph;

/**
 * Follows a network description through shapes only: counts the weights it would create (as
 * {@link Parameters#weightCount()} would: convolutions, batch-norm scale and shift, dense layers; not the
 * running statistics) and its multiply-accumulates per sample, exactly as {@link LayerBuilder} counts them.
 * Nothing is allocated, so a full-width network is sized in microseconds. The feature maps it passes
 * around have no graph variable.
 */
public final class LayerCounter implements Layers {

    private long weights;
    private long macs;

    public long weights() {
        return weights;
    }

    /** Multiply-accumulates per sample added since the last call. */
    public long takeMacs() {
        long m = macs;
        macs = 0;
        return m;
    }

    /** The start of a network: an input of this shape. */
    public static FeatureMap input(int channels, int height, int width) {
        return new FeatureMap(null, channels, height, width);
    }

    @Override
    public FeatureMap convBn(String name, FeatureMap x, int outChannels, int kernel, int stride, int groups, boolean relu) {
        Layers.checkGroups(name, x.channels(), outChannels, groups);
        FeatureMap y = convolve(x, outChannels, kernel, stride, groups);
        weights += 2L * outChannels;
        return y;
    }

    @Override
    public FeatureMap conv(String name, FeatureMap x, int outChannels, int kernel, int stride) {
        return convolve(x, outChannels, kernel, stride, 1);
    }

    @Override
    public FeatureMap batchNorm(String name, FeatureMap x, boolean relu) {
        weights += 2L * x.channels();
        return x;
    }

    @Override
    public FeatureMap relu(FeatureMap x) {
        return x;
    }

    @Override
    public FeatureMap add(FeatureMap a, FeatureMap b) {
        if (a.channels() != b.channels() || a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalArgumentException("cannot add " + a.channels() + "x" + a.height() + "x" + a.width()
                    + " and " + b.channels() + "x" + b.height() + "x" + b.width());
        }
        return a;
    }

    @Override
    public FeatureMap maxPool(FeatureMap x) {
        return new FeatureMap(null, x.channels(), Layers.pooled(x.height()), Layers.pooled(x.width()));
    }

    @Override
    public FeatureMap avgPool(FeatureMap x) {
        return maxPool(x);
    }

    @Override
    public FeatureMap padChannels(FeatureMap x, int channels) {
        return new FeatureMap(null, channels, x.height(), x.width());
    }

    @Override
    public FeatureMap dropout(FeatureMap x, double rate) {
        return x;
    }

    /** Global average pooling then a dense layer, as {@link LayerBuilder#poolDense}. */
    public void poolDense(FeatureMap x, int classes) {
        weights += (long) x.channels() * classes + classes;
        macs += (long) x.channels() * classes;
    }

    private FeatureMap convolve(FeatureMap x, int outChannels, int kernel, int stride, int groups) {
        int outH = Layers.convolved(x.height(), kernel, stride);
        int outW = Layers.convolved(x.width(), kernel, stride);
        weights += (long) kernel * kernel * (x.channels() / groups) * outChannels;
        macs += Layers.convMacs(x.channels(), outChannels, kernel, groups, outH, outW);
        return new FeatureMap(null, outChannels, outH, outW);
    }
}
