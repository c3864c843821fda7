package byot.stream.model.engine;

import byot.stream.model.onednn.OneDnn;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Bias-free k x k convolution (padding k/2) on NHWC maps: on oneDNN primitives kept per batch size
 * ({@link DnnlConvolution}) when the step has oneDNN, else with libnd4j's conv2d and conv2d_bp. A grouped
 * convolution runs each group on contiguous copies of its channel slice with libnd4j's kernels, as
 * {@code GroupedConvolution} does in the graph.
 */
final class ConvOp implements EagerOp {

    private final String weightName;
    private final INDArray weight;
    private final int input;
    private final int output;
    private final int kernel;
    private final int stride;
    private final int groups;
    private final long[] args;
    /** {@code null}: libnd4j's kernels. */
    private final OneDnn onednn;

    /** Contiguous per-group copies: input, output, their gradients, weight slice and its gradient. */
    private record Groups(INDArray[] xViews, INDArray[] yViews, INDArray[] wViews, INDArray[] dwViews, INDArray x,
                          INDArray y, INDArray dx, INDArray dy, INDArray w, INDArray dw) {}

    ConvOp(String weightName, INDArray weight, int input, int output, int kernel, int stride, int groups, OneDnn onednn) {
        this.weightName = weightName;
        this.weight = weight;
        this.input = input;
        this.output = output;
        this.kernel = kernel;
        this.stride = stride;
        this.groups = groups;
        this.args = OpArguments.conv(kernel, stride);
        this.onednn = onednn;
    }

    @Override
    public String kind() {
        return "conv" + kernel + "x" + kernel + (groups > 1 ? " grouped" : "");
    }

    @Override
    public int output() {
        return output;
    }

    @Override
    public Object allocate(Workspace ws) {
        INDArray x = ws.value(input);
        INDArray y = ws.value(output);
        if (groups == 1) {
            return onednn == null ? null : new DnnlConvolution(onednn, ws.batch, x.size(1), x.size(2), x.size(3),
                    y.size(3), kernel, stride, ws.needsGrad(input));
        }
        long inPerGroup = x.size(3) / groups;
        long outPerGroup = y.size(3) / groups;
        INDArray[] xViews = new INDArray[groups];
        INDArray[] yViews = new INDArray[groups];
        INDArray[] wViews = new INDArray[groups];
        INDArray[] dwViews = new INDArray[groups];
        INDArray dw = ws.weightGrad(weightName);
        for (int g = 0; g < groups; g++) {
            xViews[g] = x.get(channels(g * inPerGroup, inPerGroup));
            yViews[g] = y.get(channels(g * outPerGroup, outPerGroup));
            wViews[g] = weight.get(channels(g * outPerGroup, outPerGroup));
            dwViews[g] = dw.get(channels(g * outPerGroup, outPerGroup));
        }
        return new Groups(xViews, yViews, wViews, dwViews, xViews[0].dup('c'), yViews[0].dup('c'),
                xViews[0].dup('c'), yViews[0].dup('c'), wViews[0].dup('c'), wViews[0].dup('c'));
    }

    @Override
    public void forward(Workspace ws, Object state) {
        if (state instanceof DnnlConvolution conv) {
            conv.forward(ws.value(input), weight, ws.value(output));
            return;
        }
        if (groups == 1) {
            exec("conv2d", new INDArray[] {ws.value(input), weight}, new INDArray[] {ws.value(output)});
            return;
        }
        Groups s = (Groups) state;
        for (int g = 0; g < groups; g++) {
            s.x.assign(s.xViews[g]);
            s.w.assign(s.wViews[g]);
            exec("conv2d", new INDArray[] {s.x, s.w}, new INDArray[] {s.y});
            s.yViews[g].assign(s.y);
        }
    }

    @Override
    public void backward(Workspace ws, Object state) {
        boolean inputGrad = ws.needsGrad(input);
        INDArray dw = ws.weightGrad(weightName);
        if (state instanceof DnnlConvolution conv) {
            // Both write rather than add, as conv2d_bp does; an input gradient nobody needs is not computed.
            conv.backwardWeights(ws.value(input), ws.grad(output), dw);
            if (inputGrad) {
                INDArray dx = ws.gradTarget(input);
                conv.backwardData(weight, ws.grad(output), dx);
                ws.addGrad(input, dx);
            }
            return;
        }
        if (groups == 1) {
            // conv2d_bp always writes an input gradient; one the loss does not need goes to scratch.
            INDArray dx = inputGrad ? ws.gradTarget(input) : ws.scratch(ws.value(input).shape());
            exec("conv2d_bp", new INDArray[] {ws.value(input), weight, ws.grad(output)}, new INDArray[] {dx, dw});
            if (inputGrad) {
                ws.addGrad(input, dx);
            }
            return;
        }
        Groups s = (Groups) state;
        INDArray dx = inputGrad ? ws.gradTarget(input) : null;
        INDArray dy = ws.grad(output);
        long inPerGroup = s.x.size(3);
        long outPerGroup = s.y.size(3);
        for (int g = 0; g < groups; g++) {
            s.x.assign(s.xViews[g]);
            s.w.assign(s.wViews[g]);
            s.dy.assign(dy.get(channels(g * outPerGroup, outPerGroup)));
            exec("conv2d_bp", new INDArray[] {s.x, s.w, s.dy}, new INDArray[] {s.dx, s.dw});
            s.dwViews[g].assign(s.dw);
            if (dx != null) {
                dx.get(channels(g * inPerGroup, inPerGroup)).assign(s.dx);
            }
        }
        if (dx != null) {
            ws.addGrad(input, dx);
        }
    }

    @Override
    public void release(Object state) {
        if (state instanceof DnnlConvolution conv) {
            conv.close();
        }
    }

    private void exec(String name, INDArray[] in, INDArray[] out) {
        DynamicCustomOp op = new DynamicCustomOp(name, in, out);
        op.addIArgument(args);
        Nd4j.exec(op);
    }

    /** The last axis's slice [from, from + count) of a rank-4 array. */
    private static INDArrayIndex[] channels(long from, long count) {
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(from, from + count)};
    }
}
