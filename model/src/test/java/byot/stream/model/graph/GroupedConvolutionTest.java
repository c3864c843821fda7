package byot.stream.model.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/** Grouped convolution against a plain-loop definition, forward and the gradient of the weight. */
class GroupedConvolutionTest {

    @ParameterizedTest
    @CsvSource({"8,8,4,3,1,5", "8,12,4,3,2,7", "6,6,3,1,1,4", "4,8,1,3,2,6", "8,8,8,3,1,5"})
    void matchesNaiveLoops(int in, int out, int groups, int kernel, int stride, int size) {
        SplittableRandom random = new SplittableRandom(in * 31L + out * 7L + groups);
        int n = 2;
        float[][][][] x = randomArray(random, n, in, size, size);
        float[][][][] w = randomArray(random, kernel, kernel, in / groups, out);
        float[][][][] upstream = null;

        SameDiff sd = SameDiff.create();
        SDVariable input = sd.placeHolder("x", DataType.FLOAT, -1, in, size, size);
        SDVariable weight = sd.var("w", Nd4j.create(w));
        Conv2DConfig config = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride).pH(kernel / 2).pW(kernel / 2)
                .paddingMode(PaddingMode.VALID).dataFormat(Conv2DConfig.NCHW).build();
        SDVariable y = GroupedConvolution.apply(sd, input, weight, groups, config);
        int outSize = Layers.convolved(size, kernel, stride);
        upstream = randomArray(random, n, out, outSize, outSize);
        // Loss = sum(y * r): its gradient with respect to y is r, so the weight gradient has a closed form.
        SDVariable loss = y.mul(sd.constant("r", Nd4j.create(upstream))).sum("loss");
        sd.setLossVariables("loss");

        INDArray xs = Nd4j.create(x);
        float[][][][] expected = naiveForward(x, w, groups, stride, outSize);
        INDArray actual = sd.output(Map.of("x", xs), y.name()).get(y.name());
        assertArrayEquals(new long[] {n, out, outSize, outSize}, actual.shape());
        assertClose(expected, actual, "forward");

        INDArray gradient = sd.calculateGradients(Map.of("x", xs), "w").get("w");
        assertClose(naiveWeightGradient(x, upstream, kernel, in / groups, out, groups, stride), gradient, "weight gradient");
    }

    /** y[n][o][i][j] = sum over the group's input channels c and taps of x[n][g*inG+c][i*s+ky-p][j*s+kx-p] * w[ky][kx][c][o]. */
    static float[][][][] naiveForward(float[][][][] x, float[][][][] w, int groups, int stride, int outSize) {
        int n = x.length;
        int in = x[0].length;
        int size = x[0][0].length;
        int kernel = w.length;
        int inPerGroup = in / groups;
        int out = w[0][0][0].length;
        int outPerGroup = out / groups;
        int pad = kernel / 2;
        float[][][][] y = new float[n][out][outSize][outSize];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                int g = o / outPerGroup;
                for (int i = 0; i < outSize; i++) {
                    for (int j = 0; j < outSize; j++) {
                        double sum = 0;
                        for (int c = 0; c < inPerGroup; c++) {
                            for (int ky = 0; ky < kernel; ky++) {
                                for (int kx = 0; kx < kernel; kx++) {
                                    int r = i * stride + ky - pad;
                                    int q = j * stride + kx - pad;
                                    if (r >= 0 && r < size && q >= 0 && q < size) {
                                        sum += x[b][g * inPerGroup + c][r][q] * w[ky][kx][c][o];
                                    }
                                }
                            }
                        }
                        y[b][o][i][j] = (float) sum;
                    }
                }
            }
        }
        return y;
    }

    /** dL/dw[ky][kx][c][o] = sum over samples and output positions of r[n][o][i][j] * x[n][g*inG+c][i*s+ky-p][j*s+kx-p]. */
    static float[][][][] naiveWeightGradient(float[][][][] x, float[][][][] r, int kernel, int inPerGroup, int out,
                                             int groups, int stride) {
        int size = x[0][0].length;
        int outSize = r[0][0].length;
        int outPerGroup = out / groups;
        int pad = kernel / 2;
        float[][][][] dw = new float[kernel][kernel][inPerGroup][out];
        for (int ky = 0; ky < kernel; ky++) {
            for (int kx = 0; kx < kernel; kx++) {
                for (int c = 0; c < inPerGroup; c++) {
                    for (int o = 0; o < out; o++) {
                        int g = o / outPerGroup;
                        double sum = 0;
                        for (int b = 0; b < x.length; b++) {
                            for (int i = 0; i < outSize; i++) {
                                for (int j = 0; j < outSize; j++) {
                                    int row = i * stride + ky - pad;
                                    int col = j * stride + kx - pad;
                                    if (row >= 0 && row < size && col >= 0 && col < size) {
                                        sum += r[b][o][i][j] * x[b][g * inPerGroup + c][row][col];
                                    }
                                }
                            }
                        }
                        dw[ky][kx][c][o] = (float) sum;
                    }
                }
            }
        }
        return dw;
    }

    private static float[][][][] randomArray(SplittableRandom random, int a, int b, int c, int d) {
        float[][][][] v = new float[a][b][c][d];
        for (float[][][] x : v) {
            for (float[][] y : x) {
                for (float[] z : y) {
                    for (int i = 0; i < z.length; i++) {
                        z[i] = (float) random.nextDouble(-1, 1);
                    }
                }
            }
        }
        return v;
    }

    private static void assertClose(float[][][][] expected, INDArray actual, String what) {
        for (int a = 0; a < expected.length; a++) {
            for (int b = 0; b < expected[a].length; b++) {
                for (int c = 0; c < expected[a][b].length; c++) {
                    for (int d = 0; d < expected[a][b][c].length; d++) {
                        assertEquals(expected[a][b][c][d], actual.getFloat(a, b, c, d), 1e-3,
                                what + " at [" + a + "," + b + "," + c + "," + d + "]");
                    }
                }
            }
        }
    }
}
