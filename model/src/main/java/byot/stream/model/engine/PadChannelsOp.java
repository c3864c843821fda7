package byot.stream.model.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Appends zero channels (PyramidNet's shortcut); the padding stays zero, so only the copied slice is rewritten. */
final class PadChannelsOp implements EagerOp {

    private final int input;
    private final int output;
    private final long inChannels;

    PadChannelsOp(int input, int output, long inChannels) {
        this.input = input;
        this.output = output;
        this.inChannels = inChannels;
    }

    private record Views(INDArray valueSlice, INDArray gradSlice) {}

    @Override
    public String kind() {
        return "pad";
    }

    @Override
    public int output() {
        return output;
    }

    @Override
    public Object allocate(Workspace ws) {
        INDArray grad = ws.grad(output);
        return new Views(slice(ws.value(output)), grad == null ? null : slice(grad));
    }

    @Override
    public void forward(Workspace ws, Object state) {
        ((Views) state).valueSlice.assign(ws.value(input));
    }

    @Override
    public void backward(Workspace ws, Object state) {
        if (ws.needsGrad(input)) {
            ws.accumulateGrad(input, ((Views) state).gradSlice);
        }
    }

    private INDArray slice(INDArray a) {
        return a.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, inChannels));
    }
}
