package byot.stream.model.graph;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.random.custom.RandomBernoulli;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adds layers to a SameDiff graph in one of two modes, from one description of the network:
 * <ul>
 *   <li>{@link Mode#TRAIN}: weights are trainable variables and batch norm uses batch statistics, written
 *       out from primitives because the fused batchNorm op of ND4J 1.0.0-M2.1 has no gradient;</li>
 *   <li>{@link Mode#INFER}: batch norm is folded into the preceding convolution (running statistics), and
 *       every weight is a copied constant, so an inference graph is an immutable snapshot. Feature maps are
 *       NHWC: oneDNN's convolutions take that layout as it is, while NCHW maps are reordered around every
 *       convolution (about 1.5x the time of a 16-channel 28x28 convolution). Weights keep their layout.</li>
 * </ul>
 * It also counts multiply-accumulates per sample as layers are added.
 */
public final class LayerBuilder implements Layers {

    public enum Mode { TRAIN, INFER }

    /** Batch-norm layer whose batch mean and variance the trainer folds into the running statistics. */
    public record BatchNormTap(String layer, String batchMean, String batchVariance) {}

    public static final double BN_EPSILON = 1e-5;
    private static final Conv2DConfig DEPTHWISE_1X1 = Conv2DConfig.builder().kH(1).kW(1).sH(1).sW(1)
            .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).build();
    private static final Conv2DConfig DEPTHWISE_1X1_NHWC = Conv2DConfig.builder().kH(1).kW(1).sH(1).sW(1)
            .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NHWC).build();

    private final SameDiff sd;
    private final Parameters params;
    private final Mode mode;
    private final List<BatchNormTap> taps = new ArrayList<>();
    private long macs;

    public LayerBuilder(SameDiff sd, Parameters params, Mode mode) {
        this.sd = sd;
        this.params = params;
        this.mode = mode;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public Mode mode() {
        return mode;
    }

    /** Layout of the feature maps this builder makes (see the class comment). */
    public String dataFormat() {
        return mode == Mode.TRAIN ? Conv2DConfig.NCHW : Conv2DConfig.NHWC;
    }

    /** Axis of the channels in {@link #dataFormat}. */
    public int channelAxis() {
        return mode == Mode.TRAIN ? 1 : 3;
    }

    public List<BatchNormTap> batchNormTaps() {
        return List.copyOf(taps);
    }

    /** Multiply-accumulates per sample added since the last call; the caller attributes them to a section or head. */
    public long takeMacs() {
        long m = macs;
        macs = 0;
        return m;
    }

    @Override
    public FeatureMap convBn(String name, FeatureMap x, int outChannels, int kernel, int stride, int groups, boolean relu) {
        Layers.checkGroups(name, x.channels(), outChannels, groups);
        int outH = Layers.convolved(x.height(), kernel, stride);
        int outW = Layers.convolved(x.width(), kernel, stride);
        macs += Layers.convMacs(x.channels(), outChannels, kernel, groups, outH, outW);
        Conv2DConfig conv = convConfig(kernel, stride);
        INDArray w = convWeight(name, x.channels() / groups, outChannels, kernel);
        BatchNormFold bn = batchNormTensors(name, outChannels);

        SDVariable y;
        if (mode == Mode.TRAIN) {
            SDVariable conved = GroupedConvolution.apply(sd, x.variable(), weight(name + "/w", w), groups, conv, 1);
            y = trainingBatchNorm(name, conved, outChannels);
        } else {
            // Weights are [kH, kW, in, out]: as rows of length `out`, each column is one output channel.
            INDArray folded = w.dup('c').reshape(-1, outChannels).mulRowVector(bn.scale()).reshape(w.shape());
            INDArray bias = bn.shift();
            if (groups == 1) {
                y = sd.cnn().conv2d(x.variable(), sd.constant(name + "/w_folded", folded),
                        sd.constant(name + "/b_folded", bias), conv);
            } else {
                y = sd.nn().biasAdd(GroupedConvolution.apply(sd, x.variable(), sd.constant(name + "/w_folded", folded),
                        groups, conv, channelAxis()), sd.constant(name + "/b_folded", bias), false);
            }
        }
        if (relu) {
            y = sd.nn().relu(y, 0);
        }
        return new FeatureMap(y, outChannels, outH, outW);
    }

    @Override
    public FeatureMap conv(String name, FeatureMap x, int outChannels, int kernel, int stride) {
        int outH = Layers.convolved(x.height(), kernel, stride);
        int outW = Layers.convolved(x.width(), kernel, stride);
        macs += Layers.convMacs(x.channels(), outChannels, kernel, 1, outH, outW);
        INDArray w = convWeight(name, x.channels(), outChannels, kernel);
        SDVariable y = sd.cnn().conv2d(x.variable(), weight(name + "/w", w), convConfig(kernel, stride));
        return new FeatureMap(y, outChannels, outH, outW);
    }

    @Override
    public FeatureMap batchNorm(String name, FeatureMap x, boolean relu) {
        int channels = x.channels();
        BatchNormFold bn = batchNormTensors(name, channels);
        SDVariable y;
        if (mode == Mode.TRAIN) {
            y = trainingBatchNorm(name, x.variable(), channels);
        } else {
            SDVariable scaled = sd.cnn().depthWiseConv2d(x.variable(),
                    sd.constant(name + "/bn/scale", bn.scale().reshape(1, 1, channels, 1)), DEPTHWISE_1X1_NHWC);
            y = sd.nn().biasAdd(scaled, sd.constant(name + "/bn/shift", bn.shift()), false);
        }
        if (relu) {
            y = sd.nn().relu(y, 0);
        }
        return new FeatureMap(y, channels, x.height(), x.width());
    }

    /**
     * Gives a feature map a fixed name that the loss or early exit asks for. Training adds an identity op;
     * inference renames the variable, one op less per call.
     */
    public FeatureMap named(String name, FeatureMap x) {
        SDVariable v = mode == Mode.TRAIN ? sd.identity(name, x.variable()) : x.variable().rename(name);
        return new FeatureMap(v, x.channels(), x.height(), x.width());
    }

    @Override
    public FeatureMap relu(FeatureMap x) {
        return new FeatureMap(sd.nn().relu(x.variable(), 0), x.channels(), x.height(), x.width());
    }

    @Override
    public FeatureMap add(FeatureMap a, FeatureMap b) {
        return new FeatureMap(a.variable().add(b.variable()), a.channels(), a.height(), a.width());
    }

    @Override
    public FeatureMap maxPool(FeatureMap x) {
        return new FeatureMap(sd.cnn().maxPooling2d(x.variable(), poolConfig(Pooling2D.Pooling2DType.MAX)),
                x.channels(), Layers.pooled(x.height()), Layers.pooled(x.width()));
    }

    @Override
    public FeatureMap avgPool(FeatureMap x) {
        return new FeatureMap(sd.cnn().avgPooling2d(x.variable(), poolConfig(Pooling2D.Pooling2DType.AVG)),
                x.channels(), Layers.pooled(x.height()), Layers.pooled(x.width()));
    }

    @Override
    public FeatureMap padChannels(FeatureMap x, int channels) {
        if (channels == x.channels()) {
            return x;
        }
        if (channels < x.channels()) {
            throw new IllegalArgumentException("cannot pad " + x.channels() + " channels down to " + channels);
        }
        int[][] pads = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
        pads[channelAxis()][1] = channels - x.channels();
        INDArray padding = Nd4j.createFromArray(pads);
        return new FeatureMap(sd.nn().pad(x.variable(), sd.constant(padding), 0.0), channels, x.height(), x.width());
    }

    @Override
    public FeatureMap dropout(FeatureMap x, double rate) {
        if (mode == Mode.INFER || rate == 0) {
            return x;
        }
        // ND4J 1.0.0-M2.1's dropout ops have no derivative; a Bernoulli mask times the input has one.
        double keep = 1 - rate;
        SDVariable mask = new RandomBernoulli(sd, sd.shape(x.variable()), keep).outputVariable().castTo(DataType.FLOAT);
        return new FeatureMap(x.variable().mul(mask).div(keep), x.channels(), x.height(), x.width());
    }

    /** Global average pooling then a dense layer: feature map to logits [N, classes]. */
    public SDVariable poolDense(String name, String outputName, FeatureMap x, int classes) {
        macs += (long) x.channels() * classes;
        SDVariable pooled = mode == Mode.TRAIN ? x.variable().mean(2, 3) : x.variable().mean(1, 2);
        INDArray w = LayerWeights.denseWeight(params, name, x.channels(), classes);
        INDArray b = LayerWeights.denseBias(params, name, classes);
        return pooled.mmul(weight(name + "/w", w)).add(outputName, weight(name + "/b", b));
    }

    /** A batch norm at inference: y = scale * x + shift per channel, from its weights and running statistics. */
    private record BatchNormFold(INDArray scale, INDArray shift) {}

    /**
     * Declares a batch norm's four tensors (every mode does: model files store them by name) and folds them
     * for inference; training ignores the fold.
     */
    private BatchNormFold batchNormTensors(String name, int channels) {
        LayerWeights.BatchNorm bn = LayerWeights.batchNorm(params, name, channels);
        INDArray scale = bn.gamma().div(Transforms.sqrt(bn.runningVar().add(BN_EPSILON), true));
        return new BatchNormFold(scale, bn.beta().sub(bn.runningMean().mul(scale)));
    }

    /**
     * Batch norm with batch statistics, written so that no [N,C,H,W] x [C] broadcast multiply needs a
     * backward pass (its backward is ~10x slower than the rest in 1.0.0-M2.1): the statistics are [C]
     * vectors, the per-channel scale runs as a 1x1 depthwise convolution and the shift as a bias add.
     */
    private SDVariable trainingBatchNorm(String name, SDVariable x, int channels) {
        SDVariable mean = x.mean(name + "/bn/batch_mean", false, 0, 2, 3);
        // The mean squared deviation, two passes (the centring as a bias add, whose backward is cheap): E[x^2] -
        // E[x]^2 cancels to rounding noise where a channel's mean is large against its spread.
        SDVariable centred = sd.nn().biasAdd(x, mean.neg(), true);
        SDVariable var = sd.math().square(centred).mean(name + "/bn/batch_var", false, 0, 2, 3);
        SDVariable scale = weight(name + "/bn/gamma", params.view(Parameters.Kind.WEIGHT).get(name + "/bn/gamma"))
                .mul(sd.math().rsqrt(var.add(BN_EPSILON)));
        SDVariable shift = weight(name + "/bn/beta", params.view(Parameters.Kind.WEIGHT).get(name + "/bn/beta"))
                .sub(mean.mul(scale));
        SDVariable scaled = sd.cnn().depthWiseConv2d(x, scale.reshape(1, 1, channels, 1), DEPTHWISE_1X1);
        taps.add(new BatchNormTap(name, name + "/bn/batch_mean", name + "/bn/batch_var"));
        return sd.nn().biasAdd(scaled, shift, true);
    }

    private INDArray convWeight(String name, int inPerGroup, int outChannels, int kernel) {
        return LayerWeights.conv(params, name, inPerGroup, outChannels, kernel);
    }

    private Conv2DConfig convConfig(int kernel, int stride) {
        return Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                .pH(kernel / 2).pW(kernel / 2).paddingMode(PaddingMode.VALID).dataFormat(dataFormat()).build();
    }

    private Pooling2DConfig poolConfig(Pooling2D.Pooling2DType type) {
        // SAME padding rounds an odd side up, like PyTorch's ceil_mode; averages leave the padding out.
        return Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).type(type).paddingMode(PaddingMode.SAME)
                .divisor(Pooling2D.Divisor.EXCLUDE_PADDING).isNHWC(mode == Mode.INFER).build();
    }

    private SDVariable weight(String name, INDArray value) {
        if (mode == Mode.TRAIN) {
            SDVariable v = sd.var(name, value);
            params.rebind(name, v.getArr());
            return v;
        }
        return sd.constant(name, value.dup());
    }
}
