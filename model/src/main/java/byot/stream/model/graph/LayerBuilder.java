package byot.stream.model.graph;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adds layers to a SameDiff graph in one of two modes, from one description of the network:
 * <ul>
 *   <li>{@link Mode#TRAIN}: weights are trainable variables and batch norm uses batch statistics, written
 *       out from primitives because the fused batchNorm op of ND4J 1.0.0-M2.1 has no gradient;</li>
 *   <li>{@link Mode#INFER}: batch norm is folded into the preceding convolution (running statistics), and
 *       every weight is a copied constant, so an inference graph is an immutable snapshot.</li>
 * </ul>
 * It also counts multiply-accumulates per sample as layers are added.
 */
public final class LayerBuilder {

    public enum Mode { TRAIN, INFER }

    /** Batch-norm layer whose batch mean and variance the trainer folds into the running statistics. */
    public record BatchNormTap(String layer, String batchMean, String batchVariance) {}

    static final double BN_EPSILON = 1e-5;
    private static final Conv2DConfig DEPTHWISE_1X1 = Conv2DConfig.builder().kH(1).kW(1).sH(1).sW(1)
            .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).build();

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

    public List<BatchNormTap> batchNormTaps() {
        return List.copyOf(taps);
    }

    /** Multiply-accumulates per sample added since the last call; the caller attributes them to a section or head. */
    public long takeMacs() {
        long m = macs;
        macs = 0;
        return m;
    }

    /** k x k convolution (padding k/2), batch norm, optional ReLU. */
    public FeatureMap convBn(String name, FeatureMap x, int outChannels, int kernel, int stride, boolean relu) {
        int outH = (x.height() + 2 * (kernel / 2) - kernel) / stride + 1;
        int outW = (x.width() + 2 * (kernel / 2) - kernel) / stride + 1;
        macs += (long) outH * outW * outChannels * x.channels() * kernel * kernel;
        Conv2DConfig conv = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                .pH(kernel / 2).pW(kernel / 2).paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).build();
        // He initialisation for ReLU networks; layout [kH, kW, in, out] is SameDiff's default for conv2d.
        INDArray w = params.normalWeight(name + "/w", Math.sqrt(2.0 / (kernel * kernel * x.channels())),
                kernel, kernel, x.channels(), outChannels);
        INDArray gamma = params.constantWeight(name + "/bn/gamma", 1.0, outChannels);
        INDArray beta = params.constantWeight(name + "/bn/beta", 0.0, outChannels);
        INDArray runMean = params.runningStat(name + "/bn/mean", 0.0, outChannels);
        INDArray runVar = params.runningStat(name + "/bn/var", 1.0, outChannels);

        SDVariable y;
        if (mode == Mode.TRAIN) {
            SDVariable conved = sd.cnn().conv2d(x.variable(), weight(name + "/w", w), conv);
            // Batch norm written so that no [N,C,H,W] x [C] broadcast multiply needs a backward pass (its
            // backward is ~10x slower than the rest in 1.0.0-M2.1): the statistics are [C] vectors, the
            // per-channel scale runs as a 1x1 depthwise convolution and the shift as a bias add.
            SDVariable mean = conved.mean(name + "/bn/batch_mean", false, 0, 2, 3);
            SDVariable meanOfSquares = sd.math().square(conved).mean(false, 0, 2, 3);
            SDVariable var = sd.nn().relu(name + "/bn/batch_var", meanOfSquares.sub(sd.math().square(mean)), 0);
            SDVariable scale = weight(name + "/bn/gamma", gamma).mul(sd.math().rsqrt(var.add(BN_EPSILON)));
            SDVariable shift = weight(name + "/bn/beta", beta).sub(mean.mul(scale));
            SDVariable scaled = sd.cnn().depthWiseConv2d(conved, scale.reshape(1, 1, outChannels, 1), DEPTHWISE_1X1);
            y = sd.nn().biasAdd(scaled, shift, true);
            taps.add(new BatchNormTap(name, name + "/bn/batch_mean", name + "/bn/batch_var"));
        } else {
            INDArray scale = gamma.div(Transforms.sqrt(runVar.add(BN_EPSILON), true));
            // Weights are [kH, kW, in, out]: as rows of length `out`, each column is one output channel.
            INDArray folded = w.dup('c').reshape(-1, outChannels).mulRowVector(scale).reshape(w.shape());
            INDArray bias = beta.sub(runMean.mul(scale));
            y = sd.cnn().conv2d(x.variable(), sd.constant(name + "/w_folded", folded),
                    sd.constant(name + "/b_folded", bias), conv);
        }
        if (relu) {
            y = sd.nn().relu(y, 0);
        }
        return new FeatureMap(y, outChannels, outH, outW);
    }

    public FeatureMap relu(FeatureMap x) {
        return new FeatureMap(sd.nn().relu(x.variable(), 0), x.channels(), x.height(), x.width());
    }

    public FeatureMap add(FeatureMap a, FeatureMap b) {
        return new FeatureMap(a.variable().add(b.variable()), a.channels(), a.height(), a.width());
    }

    /** Global average pooling then a dense layer: [N, C, H, W] to logits [N, classes]. */
    public SDVariable poolDense(String name, String outputName, FeatureMap x, int classes) {
        macs += (long) x.channels() * classes;
        SDVariable pooled = x.variable().mean(2, 3);
        INDArray w = params.normalWeight(name + "/w", Math.sqrt(1.0 / x.channels()), x.channels(), classes);
        INDArray b = params.constantWeight(name + "/b", 0.0, classes);
        return pooled.mmul(weight(name + "/w", w)).add(outputName, weight(name + "/b", b));
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
