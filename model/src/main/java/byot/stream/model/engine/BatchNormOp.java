package byot.stream.model.engine;

import byot.stream.model.graph.LayerBuilder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Sign;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch norm with batch statistics, optionally followed by ReLU, on an NHWC map seen as an [M, C] matrix
 * (M = N*H*W). Statistics are as the graph's: mean and mean of squares, variance = max(E[x^2] - E[x]^2, 0),
 * so they are per-channel sums, taken as one matrix product with a row of ones (the stock reductions
 * were 2-4x slower). The scale and shift are then [C] vectors applied by row broadcasts.
 *
 * <p>Backward, with g the output gradient (masked by the ReLU: y > 0 exactly where sign(y) = 1):
 * dbeta = sum g, dgamma = invstd * (sum g*x - mean * dbeta), and
 * dx = a*g + b*x + c with a = gamma*invstd, b = -a*invstd*dgamma/M, c = -a*dbeta/M - b*mean.
 */
final class BatchNormOp implements EagerOp {

    private final String name;
    private final INDArray gamma;
    private final INDArray beta;
    private final int input;
    private final int output;
    private final boolean relu;
    private final int channels;

    /** Per-batch-size arrays: [M, C] views and [C] vectors (as [1, C] rows for the matrix products). */
    static final class State {
        final INDArray x2;
        final INDArray y2;
        final INDArray g2;
        final long rows;
        final INDArray meanRow;
        final INDArray varRow;
        final INDArray squaresRow;
        final INDArray scaleRow;
        final INDArray shiftRow;
        final INDArray sumRow;
        final float[] meanF;
        final float[] varF;
        final float[] invStd;

        State(Workspace ws, int input, int output, int channels) {
            rows = ws.value(input).length() / channels;
            x2 = ws.value(input).reshape(rows, channels);
            y2 = ws.value(output).reshape(rows, channels);
            g2 = ws.grad(output) == null ? null : ws.grad(output).reshape(rows, channels);
            meanRow = row(channels);
            varRow = row(channels);
            squaresRow = row(channels);
            scaleRow = row(channels);
            shiftRow = row(channels);
            sumRow = row(channels);
            meanF = new float[channels];
            varF = new float[channels];
            invStd = new float[channels];
        }

        private static INDArray row(int channels) {
            return Nd4j.zeros(DataType.FLOAT, 1, channels);
        }
    }

    BatchNormOp(String name, INDArray gamma, INDArray beta, int input, int output, boolean relu) {
        this.name = name;
        this.gamma = gamma;
        this.beta = beta;
        this.input = input;
        this.output = output;
        this.relu = relu;
        this.channels = Math.toIntExact(gamma.length());
    }

    /** The layer this batch norm belongs to (its weights are {@code layer/bn/...}). */
    String layer() {
        return name;
    }

    String gammaName() {
        return name + "/bn/gamma";
    }

    String betaName() {
        return name + "/bn/beta";
    }

    @Override
    public String kind() {
        return relu ? "batchnorm+relu" : "batchnorm";
    }

    @Override
    public int output() {
        return output;
    }

    @Override
    public Object allocate(Workspace ws) {
        return new State(ws, input, output, channels);
    }

    /** The batch mean and (biased) variance of the last forward pass, [1, C]. */
    INDArray batchMean(Object state) {
        return ((State) state).meanRow;
    }

    INDArray batchVariance(Object state) {
        return ((State) state).varRow;
    }

    @Override
    public void forward(Workspace ws, Object state) {
        State s = (State) state;
        INDArray ones = ws.ones(s.rows);
        double perRow = 1.0 / s.rows;
        Nd4j.gemm(ones, s.x2, s.meanRow, false, false, perRow, 0.0);
        Nd4j.exec(new MulOp(s.x2, s.x2, s.y2)); // the output array as scratch for x^2
        Nd4j.gemm(ones, s.y2, s.squaresRow, false, false, perRow, 0.0);

        float[] squares = new float[channels];
        float[] g = new float[channels];
        float[] b = new float[channels];
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        Vectors.read(s.meanRow, s.meanF);
        Vectors.read(s.squaresRow, squares);
        Vectors.read(gamma, g);
        Vectors.read(beta, b);
        for (int c = 0; c < channels; c++) {
            float mean = s.meanF[c];
            s.varF[c] = Math.max(squares[c] - mean * mean, 0f);
            s.invStd[c] = (float) (1.0 / Math.sqrt(s.varF[c] + LayerBuilder.BN_EPSILON));
            scale[c] = g[c] * s.invStd[c];
            shift[c] = b[c] - mean * scale[c];
        }
        Vectors.write(s.varF, s.varRow);
        Vectors.write(scale, s.scaleRow);
        Vectors.write(shift, s.shiftRow);
        Nd4j.exec(new BroadcastMulOp(s.x2, s.scaleRow, s.y2, 1));
        Nd4j.exec(new BroadcastAddOp(s.y2, s.shiftRow, s.y2, 1));
        if (relu) {
            Nd4j.exec(new RectifiedLinear(s.y2, s.y2, 0.0));
        }
    }

    @Override
    public void backward(Workspace ws, Object state) {
        State s = (State) state;
        INDArray dx = ws.needsGrad(input) ? ws.gradTarget(input) : ws.scratch(ws.value(input).shape());
        INDArray dx2 = dx.reshape(s.rows, channels);
        if (relu) {
            Nd4j.exec(new Sign(s.y2, dx2));
            Nd4j.exec(new MulOp(s.g2, dx2, s.g2));
        }
        INDArray ones = ws.ones(s.rows);
        INDArray dBeta = ws.weightGrad(betaName());
        INDArray dGamma = ws.weightGrad(gammaName());
        Nd4j.gemm(ones, s.g2, dBeta.reshape(1, channels), false, false, 1.0, 0.0);
        Nd4j.exec(new MulOp(s.g2, s.x2, dx2));
        Nd4j.gemm(ones, dx2, s.sumRow, false, false, 1.0, 0.0);

        float[] sumGX = new float[channels];
        float[] db = new float[channels];
        float[] g = new float[channels];
        float[] dg = new float[channels];
        float[] a = new float[channels];
        float[] b = new float[channels];
        float[] c = new float[channels];
        Vectors.read(s.sumRow, sumGX);
        Vectors.read(dBeta, db);
        Vectors.read(gamma, g);
        double m = s.rows;
        for (int k = 0; k < channels; k++) {
            double inv = s.invStd[k];
            dg[k] = (float) ((sumGX[k] - (double) s.meanF[k] * db[k]) * inv);
            double ak = g[k] * inv;
            double bk = -ak * inv * dg[k] / m;
            a[k] = (float) ak;
            b[k] = (float) bk;
            c[k] = (float) (-ak * db[k] / m - bk * s.meanF[k]);
        }
        Vectors.write(dg, dGamma);
        Vectors.write(a, s.scaleRow);
        Vectors.write(b, s.shiftRow);
        Vectors.write(c, s.sumRow);
        Nd4j.exec(new BroadcastMulOp(s.x2, s.shiftRow, dx2, 1));
        Nd4j.exec(new BroadcastAddOp(dx2, s.sumRow, dx2, 1));
        Nd4j.exec(new BroadcastMulOp(s.g2, s.scaleRow, s.g2, 1));
        dx2.addi(s.g2);
        if (ws.needsGrad(input)) {
            ws.addGrad(input, dx);
        }
    }
}
