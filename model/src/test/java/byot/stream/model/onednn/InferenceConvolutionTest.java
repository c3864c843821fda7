package byot.stream.model.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The fused oneDNN convolution against libnd4j's conv2d followed by the same add and ReLU. */
class InferenceConvolutionTest {

    private static OneDnn onednn;

    @BeforeAll
    static void open() {
        onednn = OneDnn.openOrNull("this test's convolutions");
        assertThat(onednn).as("oneDNN loads next to ND4J's native library").isNotNull();
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        InferenceConvolution.Geometry[] geometries = {
            new InferenceConvolution.Geometry(9, 9, 3, 5, 3, 1),
            new InferenceConvolution.Geometry(9, 7, 4, 6, 3, 2),   // odd sides, stride 2
            new InferenceConvolution.Geometry(8, 8, 6, 4, 1, 1),
            new InferenceConvolution.Geometry(9, 9, 4, 8, 1, 2),   // a strided 1x1 projection
            // Described to oneDNN in its blocked layouts, the same bytes (sixteenChannelBlocks):
            new InferenceConvolution.Geometry(9, 9, 1, 16, 3, 1),  // a one-channel stem
            new InferenceConvolution.Geometry(9, 7, 16, 16, 3, 1),
            new InferenceConvolution.Geometry(9, 9, 16, 16, 3, 2),
        };
        for (InferenceConvolution.Geometry g : geometries) {
            for (InferenceConvolution.PostOps post : InferenceConvolution.PostOps.values()) {
                for (int batch : new int[] {1, 3, 64}) {
                    cases.add(Arguments.of(g, post, batch, post.ordinal() % 2 == 0));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} batch {2} bias {3}")
    @MethodSource("cases")
    void matchesLibnd4jsConvolutionAndTheOpsAfterIt(InferenceConvolution.Geometry g, InferenceConvolution.PostOps post,
                                                    int batch, boolean withBias) {
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, g.height(), g.width(), g.in());
        INDArray w = Nd4j.randn(DataType.FLOAT, g.kernel(), g.kernel(), g.in(), g.out());
        INDArray bias = withBias ? Nd4j.randn(DataType.FLOAT, g.out()) : null;
        INDArray residual = Nd4j.randn(DataType.FLOAT, batch, g.outHeight(), g.outWidth(), g.out());
        INDArray expected = libnd4j(x, w, bias, g);
        if (post.sums()) {
            expected.addi(residual);
        }
        if (post == InferenceConvolution.PostOps.RELU || post == InferenceConvolution.PostOps.SUM_RELU) {
            expected = Transforms.relu(expected, false);
        }
        INDArray actual = post.sums() ? residual.dup() : Nd4j.createUninitialized(DataType.FLOAT, residual.shape());
        try (InferenceConvolution conv = new InferenceConvolution(onednn, g, w, bias, post)) {
            conv.run(x, actual);
            assertThat(maxRelative(expected, actual)).isLessThan(1e-5);
            // Again at the same batch size: the kept primitive, not a fresh one, gives the same.
            INDArray again = post.sums() ? residual.dup() : Nd4j.createUninitialized(DataType.FLOAT, residual.shape());
            conv.run(x, again);
            assertThat(again).isEqualTo(actual);
        }
    }

    @Test
    void copiesItsWeightsSoTheCallersArraysMayChangeOrGo() {
        InferenceConvolution.Geometry g = new InferenceConvolution.Geometry(6, 6, 2, 3, 3, 1);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 6, 6, 2);
        INDArray w = Nd4j.randn(DataType.FLOAT, 3, 3, 2, 3);
        INDArray expected = libnd4j(x, w, null, g);
        try (InferenceConvolution conv = new InferenceConvolution(onednn, g, w, null, InferenceConvolution.PostOps.NONE)) {
            w.assign(0);
            w.close();
            INDArray y = Nd4j.create(DataType.FLOAT, 2, 6, 6, 3);
            conv.run(x, y);
            assertThat(maxRelative(expected, y)).isLessThan(1e-5);
        }
    }

    @Test
    void concurrentCallsEachGetTheirOwnPrimitive() throws Exception {
        InferenceConvolution.Geometry g = new InferenceConvolution.Geometry(14, 14, 8, 8, 3, 1);
        INDArray w = Nd4j.randn(DataType.FLOAT, 3, 3, 8, 8);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (InferenceConvolution conv = new InferenceConvolution(onednn, g, w, null, InferenceConvolution.PostOps.RELU)) {
            List<Future<Double>> errors = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int batch = 1 + t % 2;
                errors.add(threads.submit(() -> {
                    double worst = 0;
                    for (int i = 0; i < 50; i++) {
                        INDArray x = Nd4j.randn(DataType.FLOAT, batch, 14, 14, 8);
                        INDArray y = Nd4j.create(DataType.FLOAT, batch, 14, 14, 8);
                        conv.run(x, y);
                        worst = Math.max(worst, maxRelative(Transforms.relu(libnd4j(x, w, null, g), false), y));
                    }
                    return worst;
                }));
            }
            for (Future<Double> e : errors) {
                assertThat(e.get()).isLessThan(1e-5);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void refusesViewsWrongSizesAndUseAfterClose() {
        InferenceConvolution.Geometry g = new InferenceConvolution.Geometry(6, 6, 2, 3, 3, 1);
        INDArray w = Nd4j.randn(DataType.FLOAT, 3, 3, 2, 3);
        assertThatThrownBy(() -> new InferenceConvolution(onednn, g, Nd4j.randn(DataType.FLOAT, 3, 3, 3, 2), null,
                InferenceConvolution.PostOps.NONE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit");
        InferenceConvolution conv = new InferenceConvolution(onednn, g, w, null, InferenceConvolution.PostOps.NONE);
        INDArray wide = Nd4j.randn(DataType.FLOAT, 4, 6, 6, 2);
        INDArray view = wide.get(NDArrayIndex.interval(1, 3));
        assertThatThrownBy(() -> conv.run(view, Nd4j.create(DataType.FLOAT, 2, 6, 6, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dense C-order");
        assertThatThrownBy(() -> conv.run(wide, Nd4j.create(DataType.FLOAT, 2, 6, 6, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("output");
        conv.close();
        conv.close();
        assertThatThrownBy(() -> conv.run(Nd4j.randn(DataType.FLOAT, 5, 6, 6, 2), Nd4j.create(DataType.FLOAT, 5, 6, 6, 3)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    private static INDArray libnd4j(INDArray x, INDArray w, INDArray bias, InferenceConvolution.Geometry g) {
        INDArray y = Nd4j.create(DataType.FLOAT, x.size(0), g.outHeight(), g.outWidth(), g.out());
        int k = g.kernel();
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d")
                .addInputs(bias == null ? new INDArray[] {x, w} : new INDArray[] {x, w, bias}).addOutputs(y)
                .addIntegerArguments(k, k, g.stride(), g.stride(), k / 2, k / 2, 1, 1, 0, 1, 0);
        Nd4j.exec(op.build());
        return y;
    }

    private static double maxRelative(INDArray expected, INDArray actual) {
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        return expected.sub(actual).amaxNumber().doubleValue() / scale;
    }
}
