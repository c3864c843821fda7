package byot.stream.model.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Raw pixels [N, C, H, W] in [0, 255] to the network's normalised NHWC input, with the graph's arithmetic
 * (x * scale - shift). Nothing upstream is trained, so it has no backward.
 */
final class NormalizeOp implements EagerOp {

    private final int output;
    private final double scale;
    private final double shift;
    private INDArray pixels;

    NormalizeOp(int output, double scale, double shift) {
        this.output = output;
        this.scale = scale;
        this.shift = shift;
    }

    /** The batch the next forward pass reads. */
    void feed(INDArray pixels) {
        this.pixels = pixels;
    }

    @Override
    public String kind() {
        return "normalize";
    }

    @Override
    public int output() {
        return output;
    }

    @Override
    public void forward(Workspace ws, Object state) {
        INDArray out = ws.value(output);
        out.assign(pixels.permute(0, 2, 3, 1));
        out.muli(scale).subi(shift);
        pixels = null;
    }

    @Override
    public void backward(Workspace ws, Object state) {
        // the input is data
    }
}
