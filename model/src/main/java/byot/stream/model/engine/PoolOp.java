package byot.stream.model.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.factory.Nd4j;

/** 2x2 stride-2 max or average pooling that rounds odd sides up, NHWC, with libnd4j's kernels. */
final class PoolOp implements EagerOp {

    private final Pooling2D.Pooling2DType type;
    private final int input;
    private final int output;
    private final long[] args;

    PoolOp(Pooling2D.Pooling2DType type, int input, int output) {
        this.type = type;
        this.input = input;
        this.output = output;
        this.args = OpArguments.pool(type);
    }

    @Override
    public String kind() {
        return type == Pooling2D.Pooling2DType.MAX ? "maxpool" : "avgpool";
    }

    @Override
    public int output() {
        return output;
    }

    @Override
    public void forward(Workspace ws, Object state) {
        exec(opName(), new INDArray[] {ws.value(input)}, ws.value(output));
    }

    @Override
    public void backward(Workspace ws, Object state) {
        if (!ws.needsGrad(input)) {
            return;
        }
        INDArray dx = ws.gradTarget(input);
        exec(opName() + "_bp", new INDArray[] {ws.value(input), ws.grad(output)}, dx);
        ws.addGrad(input, dx);
    }

    private String opName() {
        return type == Pooling2D.Pooling2DType.MAX ? "maxpool2d" : "avgpool2d";
    }

    private void exec(String name, INDArray[] in, INDArray out) {
        DynamicCustomOp op = new DynamicCustomOp(name, in, new INDArray[] {out});
        op.addIArgument(args);
        Nd4j.exec(op);
    }
}
