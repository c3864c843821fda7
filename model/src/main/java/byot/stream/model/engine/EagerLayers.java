package byot.stream.model.engine;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.LayerWeights;
import byot.stream.model.graph.Layers;
import byot.stream.model.graph.Parameters;
import byot.stream.model.onednn.OneDnn;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;

/**
 * Records a network description (the {@link Layers} vocabulary the backbones are written in) as a list of
 * eager ops over numbered NHWC tensors. Weights are declared through {@link LayerWeights}, as the graph
 * builder declares them, so both start from the same values; the ops train the {@link Parameters}' arrays
 * in place. Feature maps carry no graph variable; the builder knows each by identity.
 */
final class EagerLayers implements Layers {

    private final Parameters params;
    /** {@code null}: convolutions on libnd4j's kernels. */
    private final OneDnn convolutions;
    /** {@code null}: batch norm with ND4J's ops. */
    private final OneDnn batchNorm;
    private final List<TensorSpec> tensors = new ArrayList<>();
    private final List<EagerOp> ops = new ArrayList<>();
    private final Map<FeatureMap, Integer> ids = new IdentityHashMap<>();
    private final Map<String, INDArray> weights = new LinkedHashMap<>();

    EagerLayers(Parameters params, OneDnn convolutions, OneDnn batchNorm) {
        this.params = params;
        this.convolutions = convolutions;
        this.batchNorm = batchNorm;
    }

    List<TensorSpec> tensors() {
        return tensors;
    }

    List<EagerOp> ops() {
        return ops;
    }

    /** Trainable weights in the order the network uses them. */
    Map<String, INDArray> weights() {
        return weights;
    }

    int tensorOf(FeatureMap x) {
        Integer id = ids.get(x);
        if (id == null) {
            throw new IllegalArgumentException("feature map " + x + " was not made by this builder");
        }
        return id;
    }

    /** The normalised input map [H, W, C], written by {@code op} from each batch's raw pixels. */
    record Input(FeatureMap map, NormalizeOp op) {}

    Input input(int channels, int height, int width, double scale, double shift) {
        FeatureMap x = map(channels, height, width, false);
        NormalizeOp op = new NormalizeOp(tensorOf(x), scale, shift);
        ops.add(op);
        return new Input(x, op);
    }

    @Override
    public FeatureMap convBn(String name, FeatureMap x, int outChannels, int kernel, int stride, int groups, boolean relu) {
        Layers.checkGroups(name, x.channels(), outChannels, groups);
        FeatureMap conved = convolve(name, x, outChannels, kernel, stride, groups);
        return normalise(name, conved, relu);
    }

    @Override
    public FeatureMap conv(String name, FeatureMap x, int outChannels, int kernel, int stride) {
        return convolve(name, x, outChannels, kernel, stride, 1);
    }

    @Override
    public FeatureMap batchNorm(String name, FeatureMap x, boolean relu) {
        return normalise(name, x, relu);
    }

    @Override
    public FeatureMap relu(FeatureMap x) {
        FeatureMap y = like(x);
        ops.add(new ReluOp(tensorOf(x), tensorOf(y)));
        return y;
    }

    @Override
    public FeatureMap add(FeatureMap a, FeatureMap b) {
        if (a.channels() != b.channels() || a.height() != b.height() || a.width() != b.width()) {
            throw new IllegalArgumentException("cannot add " + a + " and " + b);
        }
        FeatureMap y = map(a.channels(), a.height(), a.width(), needsGrad(a) || needsGrad(b));
        ops.add(new AddOp(tensorOf(a), tensorOf(b), tensorOf(y)));
        return y;
    }

    @Override
    public FeatureMap maxPool(FeatureMap x) {
        return pool(Pooling2D.Pooling2DType.MAX, x);
    }

    @Override
    public FeatureMap avgPool(FeatureMap x) {
        return pool(Pooling2D.Pooling2DType.AVG, x);
    }

    @Override
    public FeatureMap padChannels(FeatureMap x, int channels) {
        if (channels == x.channels()) {
            return x;
        }
        if (channels < x.channels()) {
            throw new IllegalArgumentException("cannot pad " + x.channels() + " channels down to " + channels);
        }
        FeatureMap y = map(channels, x.height(), x.width(), needsGrad(x));
        ops.add(new PadChannelsOp(tensorOf(x), tensorOf(y), x.channels()));
        return y;
    }

    @Override
    public FeatureMap dropout(FeatureMap x, double rate) {
        if (rate == 0) {
            return x;
        }
        FeatureMap y = like(x);
        ops.add(new DropoutOp(tensorOf(x), tensorOf(y), rate));
        return y;
    }

    /** Global average pooling and a dense layer; returns the logits tensor [N, classes]. */
    int poolDense(String name, FeatureMap x, int classes) {
        INDArray w = LayerWeights.denseWeight(params, name, x.channels(), classes);
        INDArray b = LayerWeights.denseBias(params, name, classes);
        weights.put(name + "/w", w);
        weights.put(name + "/b", b);
        int logits = tensor(new long[] {classes}, true);
        ops.add(new PoolDenseOp(name, w, b, tensorOf(x), logits));
        return logits;
    }

    private FeatureMap convolve(String name, FeatureMap x, int outChannels, int kernel, int stride, int groups) {
        INDArray w = LayerWeights.conv(params, name, x.channels() / groups, outChannels, kernel);
        weights.put(name + "/w", w);
        FeatureMap y = map(outChannels, Layers.convolved(x.height(), kernel, stride),
                Layers.convolved(x.width(), kernel, stride), true);
        ops.add(new ConvOp(name + "/w", w, tensorOf(x), tensorOf(y), kernel, stride, groups, convolutions));
        return y;
    }

    private FeatureMap normalise(String name, FeatureMap x, boolean relu) {
        LayerWeights.BatchNorm bn = LayerWeights.batchNorm(params, name, x.channels());
        weights.put(name + "/bn/gamma", bn.gamma());
        weights.put(name + "/bn/beta", bn.beta());
        FeatureMap y = map(x.channels(), x.height(), x.width(), true);
        ops.add(new BatchNormOp(name, bn.gamma(), bn.beta(), tensorOf(x), tensorOf(y), relu, batchNorm));
        return y;
    }

    private FeatureMap pool(Pooling2D.Pooling2DType type, FeatureMap x) {
        FeatureMap y = map(x.channels(), Layers.pooled(x.height()), Layers.pooled(x.width()), needsGrad(x));
        ops.add(new PoolOp(type, tensorOf(x), tensorOf(y)));
        return y;
    }

    private FeatureMap like(FeatureMap x) {
        return map(x.channels(), x.height(), x.width(), needsGrad(x));
    }

    private boolean needsGrad(FeatureMap x) {
        return tensors.get(tensorOf(x)).needsGrad();
    }

    private FeatureMap map(int channels, int height, int width, boolean needsGrad) {
        FeatureMap x = new FeatureMap(null, channels, height, width);
        ids.put(x, tensor(new long[] {height, width, channels}, needsGrad));
        return x;
    }

    private int tensor(long[] shapeAfterBatch, boolean needsGrad) {
        tensors.add(new TensorSpec(shapeAfterBatch, needsGrad));
        return tensors.size() - 1;
    }
}
