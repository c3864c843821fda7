package byot.stream.model.graph;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A graph variable with its static shape (batch left out), so builders can size the next layer. The
 * variable's layout is its builder's {@link LayerBuilder#dataFormat}: NCHW when training, NHWC for inference.
 * The variable is null when a {@link LayerCounter} only follows shapes.
 */
public record FeatureMap(SDVariable variable, int channels, int height, int width) {
    public long elements() {
        return (long) channels * height * width;
    }
}
