package byot.stream.model.exit;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The rows of a [N, classes] array of exit scores as Java arrays, read in one native copy. ND4J's
 * {@code toFloatMatrix} makes a row view and a copy of it per row (two arrays and a shape lookup each): on a
 * batch of 64 that cost more than the exit's classifier, once per stage of every batch.
 */
public final class ProbabilityRows {

    private ProbabilityRows() {
    }

    public static float[][] of(INDArray scores) {
        if (scores.rank() != 2) {
            throw new IllegalArgumentException("expected [N, classes], got " + Arrays.toString(scores.shape()));
        }
        int n = Math.toIntExact(scores.size(0));
        int k = Math.toIntExact(scores.size(1));
        if (n == 0) {
            return new float[0][];
        }
        boolean dense = scores.dataType() == DataType.FLOAT && scores.ordering() == 'c' && scores.offset() == 0
                && !scores.isView();
        INDArray source = dense ? scores : scores.castTo(DataType.FLOAT).dup('c');
        float[] flat = source.data().getFloatsAt(0, n * k);
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * k, (i + 1) * k);
        }
        return rows;
    }
}
