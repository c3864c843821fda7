package byot.stream.model.engine;

import static byot.stream.model.engine.DnnlConvolutionTest.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.model.onednn.OneDnn;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Batch norm on oneDNN's primitives computes what the ND4J path of {@link BatchNormOp} computes, to 1e-4
 * relative: the output, the batch mean and variance, and the input's, scale's and shift's gradients, with and
 * without the fused ReLU, on maps whose channels are far from zero mean and unit variance, down to batch 1 with
 * a 4x4 map (the smallest a backbone normalises) and a 1x1 map (one value per channel: zero variance); and it
 * writes its gradients rather than adding to what is there.
 */
class DnnlBatchNormTest {

    private static OneDnn onednn;

    @BeforeAll
    static void open() {
        onednn = Kernels.DNNL.open("batch norm");
        assertThat(onednn).as("oneDNN loads next to ND4J's native library").isNotNull();
    }

    @AfterAll
    static void close() {
        onednn = null;
    }

    @ParameterizedTest
    @CsvSource({"32, 28, 16, true", "32, 28, 16, false", "4, 7, 64, true", "1, 14, 32, false", "1, 1, 8, true",
            "3, 5, 24, false", "1, 4, 10, false"})
    void matchesTheNd4jPath(int batch, int side, int channels, boolean relu) {
        INDArray x = random(1, batch, side, side, channels).muli(3).addi(1.5);
        INDArray dy = random(2, batch, side, side, channels);
        INDArray gamma = random(3, channels).addi(1);
        INDArray beta = random(4, channels);

        Result expected = Result.of(null, x, dy, gamma, beta, relu, null);
        Result actual = Result.of(onednn, x, dy, gamma, beta, relu, null);
        assertClose(actual.y, expected.y, "output");
        assertClose(actual.mean, expected.mean, "batch mean");
        if (batch * side * side > 1) {
            assertClose(actual.variance, expected.variance, "batch variance");
        } else {
            assertThat(actual.variance.getDouble(0)).as("one row: no variance").isZero();
        }
        assertClose(actual.dBeta, expected.dBeta, "shift gradient");
        if (batch * side * side > 1) {
            assertClose(actual.dGamma, expected.dGamma, "scale gradient");
            assertClose(actual.dx, expected.dx, "input gradient");
        } else {
            // A single value normalises to 0 whatever it is: neither the scale nor the input has a gradient (the
            // ND4J path's E[x^2] - E[x]^2 leaves rounding noise there, so there is nothing to compare relatively).
            assertThat(actual.dGamma.amaxNumber().doubleValue()).isLessThan(1e-3);
            assertThat(actual.dx.amaxNumber().doubleValue()).isLessThan(1e-3);
        }
    }

    /** A map read by two layers (a residual sum into the batch norm and the shortcut) gets its gradients added. */
    @ParameterizedTest
    @CsvSource({"6, 14, 32, true", "6, 14, 32, false"})
    void addsToAnInputGradientAlreadyThere(int batch, int side, int channels, boolean relu) {
        INDArray x = random(5, batch, side, side, channels).muli(2).addi(0.5);
        INDArray dy = random(6, batch, side, side, channels);
        INDArray gamma = random(7, channels).addi(1);
        INDArray beta = random(8, channels);
        INDArray earlier = random(9, batch, side, side, channels);

        Result alone = Result.of(onednn, x, dy, gamma, beta, relu, null);
        Result expected = Result.of(null, x, dy, gamma, beta, relu, earlier);
        Result actual = Result.of(onednn, x, dy, gamma, beta, relu, earlier);
        assertClose(actual.dx, expected.dx, "input gradient");
        assertClose(actual.dx, alone.dx.add(earlier), "input gradient, the earlier one added");
        assertClose(actual.dGamma, expected.dGamma, "scale gradient");
    }

    @Test
    void refusesAnArrayOfAnotherShapeOrAView() {
        try (DnnlBatchNorm bn = new DnnlBatchNorm(onednn, 2, 4, 4, 8, true, 1e-5f)) {
            INDArray gamma = Nd4j.ones(DataType.FLOAT, 8);
            INDArray beta = Nd4j.zeros(DataType.FLOAT, 8);
            INDArray stats = Nd4j.zeros(DataType.FLOAT, 1, 8);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 2, 4, 4, 8);
            assertThatThrownBy(() -> bn.forward(Nd4j.zeros(DataType.FLOAT, 1, 4, 4, 8), gamma, beta, y, stats, stats))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256 elements");
            INDArray wide = Nd4j.zeros(DataType.FLOAT, 2, 4, 4, 16);
            INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 8));
            assertThatThrownBy(() -> bn.forward(view, gamma, beta, y, stats, stats)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> bn.forward(y, Nd4j.ones(DataType.FLOAT, 4), beta, y, stats, stats))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8 elements");
        }
    }

    /** One forward and backward pass of a {@link BatchNormOp} in a workspace of its own; gradients start as garbage. */
    private record Result(INDArray y, INDArray mean, INDArray variance, INDArray dx, INDArray dGamma, INDArray dBeta) {

        /** @param earlier a gradient the input already has this step, or {@code null} */
        static Result of(OneDnn kernels, INDArray x, INDArray dy, INDArray gamma, INDArray beta, boolean relu,
                         INDArray earlier) {
            long[] map = {x.size(1), x.size(2), x.size(3)};
            BatchNormOp op = new BatchNormOp("layer", gamma, beta, 0, 1, relu, kernels);
            Map<String, INDArray> grads = Map.of(op.gammaName(), Nd4j.valueArrayOf(gamma.shape(), 7f, DataType.FLOAT),
                    op.betaName(), Nd4j.valueArrayOf(beta.shape(), -3f, DataType.FLOAT));
            Workspace ws = new Workspace((int) x.size(0), List.of(new TensorSpec(map, true), new TensorSpec(map, true)),
                    List.of(op), grads);
            try {
                ws.value(0).assign(x);
                op.forward(ws, ws.opState[0]);
                INDArray y = ws.value(1).dup();
                ws.clearGrads();
                ws.accumulateGrad(1, dy);
                if (earlier != null) {
                    ws.accumulateGrad(0, earlier);
                }
                op.backward(ws, ws.opState[0]);
                assertThat(ws.hasGrad(0)).isTrue();
                return new Result(y, op.batchMean(ws.opState[0]).dup(), op.batchVariance(ws.opState[0]).dup(),
                        ws.grad(0).dup(), grads.get(op.gammaName()).dup(), grads.get(op.betaName()).dup());
            } finally {
                ws.release();
            }
        }
    }

    private static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }
}
