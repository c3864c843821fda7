package byot.stream.model.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Sign;
import org.nd4j.linalg.factory.Nd4j;

/** ReLU; its backward multiplies by the mask sign(y), which is 1 exactly where y > 0 (relu_bp was ~12x slower). */
final class ReluOp implements EagerOp {

    private final int input;
    private final int output;

    ReluOp(int input, int output) {
        this.input = input;
        this.output = output;
    }

    @Override
    public String kind() {
        return "relu";
    }

    @Override
    public int output() {
        return output;
    }

    @Override
    public void forward(Workspace ws, Object state) {
        Nd4j.exec(new RectifiedLinear(ws.value(input), ws.value(output), 0.0));
    }

    @Override
    public void backward(Workspace ws, Object state) {
        INDArray dx = ws.gradTarget(input);
        Nd4j.exec(new Sign(ws.value(output), dx));
        Nd4j.exec(new MulOp(dx, ws.grad(output), dx));
        ws.addGrad(input, dx);
    }
}
