package byot.stream.model.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.model.onednn.OneDnn;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * oneDNN's primitives compute what libnd4j's conv2d and conv2d_bp compute (the eager engine's reference
 * path), to 1e-4 relative, on the shapes the backbones use: 3x3 stride 1 and 2, 1x1 stride 1 and 2, odd and
 * even map sizes, batch sizes down to 1; and they write their outputs rather than add to what is there.
 */
class DnnlConvolutionTest {

    private static final double TOLERANCE = 1e-4;
    private static OneDnn onednn;

    record Shape(int batch, int size, int in, int out, int kernel, int stride) {

        long outSize() {
            return (size + 2L * (kernel / 2) - kernel) / stride + 1;
        }
    }

    static Stream<Shape> shapes() {
        return Stream.of(
                new Shape(1, 32, 3, 8, 3, 1),     // a stem
                new Shape(4, 32, 8, 8, 3, 1),
                new Shape(3, 32, 8, 16, 3, 2),    // a section's first block
                new Shape(2, 32, 8, 16, 1, 2),    // its projection shortcut
                new Shape(1, 28, 8, 16, 1, 2),    // oneDNN's own 1x1 backward kernels corrupt the heap here
                new Shape(1, 28, 1, 8, 3, 1),     // a Fashion-MNIST stem
                new Shape(5, 16, 16, 32, 3, 2),
                new Shape(16, 16, 32, 32, 3, 1),
                new Shape(8, 8, 64, 64, 3, 1),
                new Shape(2, 7, 24, 48, 3, 2),    // odd map size
                new Shape(3, 7, 24, 48, 1, 2),
                new Shape(1, 4, 64, 128, 1, 2),
                new Shape(6, 8, 40, 24, 1, 1));   // a bottleneck's 1x1
    }

    @BeforeAll
    static void open() {
        onednn = Kernels.DNNL.open("convolutions");
        assertThat(onednn).as("oneDNN loads next to ND4J's native library").isNotNull();
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void matchesNd4jsConvolutionForwardAndBackward(Shape s) {
        INDArray x = random(1, s.batch, s.size, s.size, s.in);
        INDArray w = random(2, s.kernel, s.kernel, s.in, s.out);
        INDArray dy = random(3, s.batch, s.outSize(), s.outSize(), s.out);
        Reference expected = Reference.of(s, x, w, dy);

        try (DnnlConvolution conv = new DnnlConvolution(onednn, s.batch, s.size, s.size, s.in, s.out, s.kernel, s.stride, true)) {
            Outputs got = Outputs.like(expected);
            conv.forward(x, w, got.y);
            conv.backwardWeights(x, dy, got.dw);
            conv.backwardData(w, dy, got.dx);
            assertClose(got.y, expected.y, "forward");
            assertClose(got.dw, expected.dw, "weight gradient");
            assertClose(got.dx, expected.dx, "input gradient");
        }
    }

    /** SGD updates the weights in place between steps: the next forward must see them, and so must backward. */
    @Test
    void picksUpWeightsChangedInPlaceAtTheNextStep() {
        Shape s = new Shape(4, 8, 16, 32, 3, 1);
        INDArray x = random(4, s.batch, s.size, s.size, s.in);
        INDArray w = random(5, s.kernel, s.kernel, s.in, s.out);
        INDArray dy = random(6, s.batch, s.outSize(), s.outSize(), s.out);
        try (DnnlConvolution conv = new DnnlConvolution(onednn, s.batch, s.size, s.size, s.in, s.out, s.kernel, s.stride, true)) {
            Outputs first = Outputs.like(Reference.of(s, x, w, dy));
            conv.forward(x, w, first.y);
            conv.backwardData(w, dy, first.dx);

            w.assign(random(7, s.kernel, s.kernel, s.in, s.out));
            Reference expected = Reference.of(s, x, w, dy);
            Outputs second = Outputs.like(expected);
            conv.forward(x, w, second.y);
            conv.backwardWeights(x, dy, second.dw);
            conv.backwardData(w, dy, second.dx);
            assertClose(second.y, expected.y, "forward after the update");
            assertClose(second.dx, expected.dx, "input gradient after the update");
            assertClose(second.dw, expected.dw, "weight gradient after the update");
        }
    }

    @Test
    void refusesAnArrayOfAnotherShapeOrAView() {
        try (DnnlConvolution conv = new DnnlConvolution(onednn, 2, 8, 8, 4, 4, 3, 1, false)) {
            INDArray w = random(8, 3, 3, 4, 4);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 2, 8, 8, 4);
            assertThatThrownBy(() -> conv.forward(Nd4j.zeros(DataType.FLOAT, 1, 8, 8, 4), w, y))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("512 elements");
            INDArray wide = Nd4j.zeros(DataType.FLOAT, 2, 8, 8, 8);
            INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.all(), NDArrayIndex.interval(0, 4));
            assertThatThrownBy(() -> conv.forward(view, w, y)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> conv.backwardData(w, y, Nd4j.zeros(DataType.FLOAT, 2, 8, 8, 4)))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    /** libnd4j's results, called as the eager engine's ND4J path calls it. */
    private record Reference(INDArray y, INDArray dx, INDArray dw) {

        static Reference of(Shape s, INDArray x, INDArray w, INDArray dy) {
            long[] args = OpArguments.conv(s.kernel, s.stride);
            INDArray y = Nd4j.zeros(DataType.FLOAT, dy.shape());
            INDArray dx = Nd4j.zeros(DataType.FLOAT, x.shape());
            INDArray dw = Nd4j.zeros(DataType.FLOAT, w.shape());
            exec("conv2d", args, new INDArray[] {x, w}, new INDArray[] {y});
            exec("conv2d_bp", args, new INDArray[] {x, w, dy}, new INDArray[] {dx, dw});
            return new Reference(y, dx, dw);
        }

        private static void exec(String name, long[] args, INDArray[] in, INDArray[] out) {
            DynamicCustomOp op = new DynamicCustomOp(name, in, out);
            op.addIArgument(args);
            Nd4j.exec(op);
        }
    }

    /** Output arrays filled with garbage: a result added to them instead of written shows. */
    private record Outputs(INDArray y, INDArray dx, INDArray dw) {

        static Outputs like(Reference r) {
            return new Outputs(Nd4j.valueArrayOf(r.y.shape(), 3f, DataType.FLOAT),
                    Nd4j.valueArrayOf(r.dx.shape(), -5f, DataType.FLOAT), Nd4j.valueArrayOf(r.dw.shape(), 7f, DataType.FLOAT));
        }
    }

    private static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    static void assertClose(INDArray actual, INDArray expected, String what) {
        assertThat(actual.shape()).as(what + " shape").isEqualTo(expected.shape());
        double error = actual.sub(expected).norm2Number().doubleValue();
        double scale = expected.norm2Number().doubleValue();
        assertThat(scale).as(what + " is not trivially zero").isGreaterThan(0);
        assertThat(error).as(what + ": |difference| vs |expected| " + scale).isLessThanOrEqualTo(TOLERANCE * scale);
    }
}
