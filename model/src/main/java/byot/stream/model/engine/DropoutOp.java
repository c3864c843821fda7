package byot.stream.model.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.factory.Nd4j;

/** Inverted dropout: a fresh Bernoulli(keep) mask each step, y = x * mask / keep, and the same mask backward. */
final class DropoutOp implements EagerOp {

    private final int input;
    private final int output;
    private final double keep;

    DropoutOp(int input, int output, double rate) {
        this.input = input;
        this.output = output;
        this.keep = 1 - rate;
    }

    @Override
    public String kind() {
        return "dropout";
    }

    @Override
    public int output() {
        return output;
    }

    @Override
    public Object allocate(Workspace ws) {
        return ws.value(input).ulike();
    }

    @Override
    public void forward(Workspace ws, Object state) {
        INDArray mask = (INDArray) state;
        Nd4j.exec(new BernoulliDistribution(mask, keep));
        mask.divi(keep);
        Nd4j.exec(new MulOp(ws.value(input), mask, ws.value(output)));
    }

    @Override
    public void backward(Workspace ws, Object state) {
        INDArray dx = ws.gradTarget(input);
        Nd4j.exec(new MulOp(ws.grad(output), (INDArray) state, dx));
        ws.addGrad(input, dx);
    }
}
