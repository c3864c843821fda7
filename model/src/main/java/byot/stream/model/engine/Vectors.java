package byot.stream.model.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Copies between small dense float arrays (per-channel vectors, logits) and Java arrays, without allocation. */
final class Vectors {

    private Vectors() {
    }

    static void read(INDArray from, float[] to) {
        check(from, to.length);
        from.data().asNioFloat().get(0, to);
    }

    static void write(float[] from, INDArray to) {
        check(to, from.length);
        to.data().asNioFloat().put(0, from);
    }

    private static void check(INDArray a, int length) {
        if (a.length() != length || a.isView() || a.data().offset() != 0) {
            throw new IllegalArgumentException("need a dense array of " + length + " floats, got " + a.shapeInfoToString());
        }
    }
}
