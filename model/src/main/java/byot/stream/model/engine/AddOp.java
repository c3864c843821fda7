package byot.stream.model.engine;

import org.nd4j.linalg.factory.Nd4j;

/** Residual sum of two maps of one shape; both inputs receive the output's gradient. */
final class AddOp implements EagerOp {

    private final int a;
    private final int b;
    private final int output;

    AddOp(int a, int b, int output) {
        this.a = a;
        this.b = b;
        this.output = output;
    }

    @Override
    public String kind() {
        return "add";
    }

    @Override
    public int output() {
        return output;
    }

    @Override
    public void forward(Workspace ws, Object state) {
        Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp(
                ws.value(a), ws.value(b), ws.value(output)));
    }

    @Override
    public void backward(Workspace ws, Object state) {
        for (int in : new int[] {a, b}) {
            if (ws.needsGrad(in)) {
                ws.accumulateGrad(in, ws.grad(output));
            }
        }
    }
}
