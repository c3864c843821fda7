package byot.stream.model.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.factory.Nd4j;

/** Global average pooling of an NHWC map, then a dense layer: logits = mean_hw(x) W + b. */
final class PoolDenseOp implements EagerOp {

    private final String name;
    private final INDArray weight;
    private final INDArray bias;
    private final int input;
    private final int output;

    private record State(INDArray x3, INDArray pooled, INDArray dPooled, long cells) {}

    PoolDenseOp(String name, INDArray weight, INDArray bias, int input, int output) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.input = input;
        this.output = output;
    }

    String weightName() {
        return name + "/w";
    }

    String biasName() {
        return name + "/b";
    }

    @Override
    public String kind() {
        return "pool+dense";
    }

    @Override
    public int output() {
        return output;
    }

    @Override
    public Object allocate(Workspace ws) {
        INDArray x = ws.value(input);
        long n = x.size(0);
        long channels = x.size(3);
        long cells = x.size(1) * x.size(2);
        return new State(x.reshape(n, cells, channels), Nd4j.zeros(DataType.FLOAT, n, channels),
                Nd4j.zeros(DataType.FLOAT, n, channels), cells);
    }

    @Override
    public void forward(Workspace ws, Object state) {
        State s = (State) state;
        s.x3.mean(s.pooled, 1);
        INDArray logits = ws.value(output);
        Nd4j.gemm(s.pooled, weight, logits, false, false, 1.0, 0.0);
        logits.addiRowVector(bias);
    }

    @Override
    public void backward(Workspace ws, Object state) {
        State s = (State) state;
        INDArray dLogits = ws.grad(output);
        Nd4j.gemm(s.pooled, dLogits, ws.weightGrad(weightName()), true, false, 1.0, 0.0);
        dLogits.sum(ws.weightGrad(biasName()), 0);
        if (!ws.needsGrad(input)) {
            return;
        }
        Nd4j.gemm(dLogits, weight, s.dPooled, false, true, 1.0 / s.cells, 0.0);
        INDArray dx = ws.gradTarget(input);
        INDArray dx3 = dx.reshape(s.x3.shape());
        Nd4j.exec(new BroadcastCopyOp(dx3, s.dPooled, dx3, 0, 2));
        ws.addGrad(input, dx);
    }
}
