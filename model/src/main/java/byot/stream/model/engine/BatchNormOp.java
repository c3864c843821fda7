package byot.stream.model.engine;

import byot.stream.model.graph.LayerBuilder;
import byot.stream.model.onednn.OneDnn;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Sign;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch norm with batch statistics, optionally followed by ReLU: on oneDNN primitives kept per batch size
 * ({@link DnnlBatchNorm}) when the step has oneDNN, else with ND4J's ops as below.
 *
 * <p>With ND4J's ops the NHWC map is seen as an [M, C] matrix
 * (M = N*H*W). Statistics are as the graph's and oneDNN's: the mean, then the mean squared deviation from it,
 * each a per-channel sum taken as one matrix product with a row of ones (the stock reductions were 2-4x
 * slower). The scale and shift are then [C] vectors applied by row broadcasts.
 *
 * <p>Backward, with g the output gradient (masked by the ReLU: y > 0 exactly where sign(y) = 1):
 * dbeta = sum g, dgamma = invstd * sum g*(x - mean), and
 * dx = a*g + b*(x - mean) + c with a = gamma*invstd, b = -a*invstd*dgamma/M, c = -a*dbeta/M.
 */
final class BatchNormOp implements EagerOp {

    private final String name;
    private final INDArray gamma;
    private final INDArray beta;
    private final int input;
    private final int output;
    private final boolean relu;
    private final int channels;
    /** {@code null}: ND4J's ops. */
    private final OneDnn onednn;

    /** On oneDNN: its primitives, and the arrays in which the statistics are taken as on the ND4J path. */
    private record Dnnl(DnnlBatchNorm layer, State statistics) {}

    /** Per-batch-size arrays: [M, C] views and [C] vectors (as [1, C] rows for the matrix products). */
    static final class State {
        final INDArray x2;
        final INDArray y2;
        final INDArray g2;
        final long rows;
        final INDArray meanRow;
        final INDArray varRow;
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

    BatchNormOp(String name, INDArray gamma, INDArray beta, int input, int output, boolean relu, OneDnn onednn) {
        this.name = name;
        this.gamma = gamma;
        this.beta = beta;
        this.input = input;
        this.output = output;
        this.relu = relu;
        this.channels = Math.toIntExact(gamma.length());
        this.onednn = onednn;
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
        if (onednn == null) {
            return new State(ws, input, output, channels);
        }
        INDArray x = ws.value(input);
        return new Dnnl(new DnnlBatchNorm(onednn, ws.batch, x.size(1), x.size(2), channels, relu,
                (float) LayerBuilder.BN_EPSILON), new State(ws, input, output, channels));
    }

    @Override
    public void release(Object state) {
        if (state instanceof Dnnl d) {
            d.layer().close();
        }
    }

    /** The batch mean and (biased) variance of the last forward pass, [1, C]. */
    INDArray batchMean(Object state) {
        return statistics(state).meanRow;
    }

    INDArray batchVariance(Object state) {
        return statistics(state).varRow;
    }

    private static State statistics(Object state) {
        return state instanceof Dnnl d ? d.statistics() : (State) state;
    }

    @Override
    public void forward(Workspace ws, Object state) {
        if (state instanceof Dnnl d) {
            // The statistics as on the ND4J path: oneDNN's own agreed with the one-pass E[x^2] - E[x]^2 (both
            // engines' formula before 2026-12-02) and left small test batches' gradients a few tenths of a percent
            // from the two-pass ones.
            statistics(ws, d.statistics());
            d.layer().forward(ws.value(input), gamma, beta, ws.value(output), d.statistics().meanRow,
                    d.statistics().varRow);
            return;
        }
        State s = (State) state;
        statistics(ws, s);
        float[] g = new float[channels];
        float[] scale = new float[channels];
        Vectors.read(gamma, g);
        for (int c = 0; c < channels; c++) {
            scale[c] = g[c] * s.invStd[c];
        }
        Vectors.write(scale, s.scaleRow);
        // Centred first, as the statistics: x * scale + (beta - mean * scale) cancels where the mean is large.
        Nd4j.exec(new BroadcastSubOp(s.x2, s.meanRow, s.y2, 1));
        Nd4j.exec(new BroadcastMulOp(s.y2, s.scaleRow, s.y2, 1));
        Nd4j.exec(new BroadcastAddOp(s.y2, beta.reshape(1, channels), s.y2, 1));
        if (relu) {
            Nd4j.exec(new RectifiedLinear(s.y2, s.y2, 0.0));
        }
    }

    /**
     * The batch's mean and variance into {@code s} (rows, floats and inverse standard deviations). The variance is the mean squared deviation from the mean, two
     * passes, as oneDNN and the graph take it: E[x^2] - E[x]^2 cancels to rounding noise in floats where a
     * channel's mean is large against its spread, and how large the noise is depends on the order in which the
     * sums were added, so two implementations of that formula gave gradients percents apart.
     */
    private void statistics(Workspace ws, State s) {
        INDArray ones = ws.ones(s.rows);
        double perRow = 1.0 / s.rows;
        Nd4j.gemm(ones, s.x2, s.meanRow, false, false, perRow, 0.0);
        INDArray squares = ws.scratch(ws.value(input).shape()).reshape(s.rows, channels);
        Nd4j.exec(new BroadcastSubOp(s.x2, s.meanRow, squares, 1));
        Nd4j.exec(new MulOp(squares, squares, squares));
        Nd4j.gemm(ones, squares, s.varRow, false, false, perRow, 0.0);
        Vectors.read(s.meanRow, s.meanF);
        Vectors.read(s.varRow, s.varF);
        for (int c = 0; c < channels; c++) {
            s.invStd[c] = (float) (1.0 / Math.sqrt(s.varF[c] + LayerBuilder.BN_EPSILON));
        }
    }

    @Override
    public void backward(Workspace ws, Object state) {
        INDArray dx = ws.needsGrad(input) ? ws.gradTarget(input) : ws.scratch(ws.value(input).shape());
        if (state instanceof Dnnl d) {
            d.layer().backward(ws.value(input), gamma, beta, d.statistics().meanRow, d.statistics().varRow,
                    ws.grad(output), dx,
                    ws.weightGrad(gammaName()), ws.weightGrad(betaName()));
            if (ws.needsGrad(input)) {
                ws.addGrad(input, dx);
            }
            return;
        }
        State s = (State) state;
        INDArray dx2 = dx.reshape(s.rows, channels);
        if (relu) {
            Nd4j.exec(new Sign(s.y2, dx2));
            Nd4j.exec(new MulOp(s.g2, dx2, s.g2));
        }
        INDArray ones = ws.ones(s.rows);
        INDArray dBeta = ws.weightGrad(betaName());
        INDArray dGamma = ws.weightGrad(gammaName());
        Nd4j.gemm(ones, s.g2, dBeta.reshape(1, channels), false, false, 1.0, 0.0);
        // Centred before multiplying: sum g*x - mean * sum g cancels to nothing in floats where a channel's mean is
        // large against its spread, and the gradients then drift off by percents.
        Nd4j.exec(new BroadcastSubOp(s.x2, s.meanRow, dx2, 1));
        Nd4j.exec(new MulOp(dx2, s.g2, dx2));
        Nd4j.gemm(ones, dx2, s.sumRow, false, false, 1.0, 0.0);

        float[] sumGXc = new float[channels];
        float[] db = new float[channels];
        float[] g = new float[channels];
        float[] dg = new float[channels];
        float[] a = new float[channels];
        float[] b = new float[channels];
        float[] c = new float[channels];
        Vectors.read(s.sumRow, sumGXc);
        Vectors.read(dBeta, db);
        Vectors.read(gamma, g);
        double m = s.rows;
        for (int k = 0; k < channels; k++) {
            double inv = s.invStd[k];
            dg[k] = (float) (sumGXc[k] * inv);
            double ak = g[k] * inv;
            a[k] = (float) ak;
            b[k] = (float) (-ak * inv * dg[k] / m);
            c[k] = (float) (-ak * db[k] / m);
        }
        Vectors.write(dg, dGamma);
        Vectors.write(a, s.scaleRow);
        Vectors.write(b, s.shiftRow);
        Vectors.write(c, s.sumRow);
        Nd4j.exec(new BroadcastSubOp(s.x2, s.meanRow, dx2, 1));
        Nd4j.exec(new BroadcastMulOp(dx2, s.shiftRow, dx2, 1));
        Nd4j.exec(new BroadcastAddOp(dx2, s.sumRow, dx2, 1));
        Nd4j.exec(new BroadcastMulOp(s.g2, s.scaleRow, s.g2, 1));
        dx2.addi(s.g2);
        if (ws.needsGrad(input)) {
            ws.addGrad(input, dx);
        }
    }
}
