package byot.stream.model.engine;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

/**
 * The integer arguments of libnd4j's convolution and pooling kernels, taken from the op SameDiff itself
 * builds for the same configuration, so the eager engine calls the kernels exactly as the graph does (and
 * their _bp twins, which take the same arguments).
 */
final class OpArguments {

    private OpArguments() {
    }

    /** k x k convolution, padding k/2, NHWC maps, weights [kH, kW, in, out] (as {@code LayerBuilder}'s). */
    static long[] conv(int kernel, int stride) {
        Conv2DConfig config = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                .pH(kernel / 2).pW(kernel / 2).paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NHWC).build();
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 8, 8, 1);
        SDVariable w = sd.placeHolder("w", DataType.FLOAT, kernel, kernel, 1, 1);
        return argsOf(sd.cnn().conv2d(x, w, config));
    }

    /** 2x2 stride-2 pooling that rounds odd sides up and averages over the unpadded cells, NHWC. */
    static long[] pool(Pooling2D.Pooling2DType type) {
        Pooling2DConfig config = Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).type(type)
                .paddingMode(PaddingMode.SAME).divisor(Pooling2D.Divisor.EXCLUDE_PADDING).isNHWC(true).build();
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 8, 8, 1);
        SDVariable y = type == Pooling2D.Pooling2DType.MAX ? sd.cnn().maxPooling2d(x, config) : sd.cnn().avgPooling2d(x, config);
        return argsOf(y);
    }

    private static long[] argsOf(SDVariable output) {
        DynamicCustomOp op = (DynamicCustomOp) output.getCreator();
        return op.iArgs().clone();
    }
}
