package byot.stream.model.exit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ProbabilityRowsTest {

    @Test
    void readsTheSameRowsAsNd4jForDenseViewsOtherOrdersAndTypes() {
        INDArray wide = Nd4j.rand(DataType.FLOAT, 9, 7);
        INDArray[] shapes = {
            wide,
            wide.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all()),      // a view, offset into the buffer
            wide.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 5)),      // rows that are not contiguous
            wide.dup('f'),
            wide.castTo(DataType.DOUBLE),
        };
        for (INDArray a : shapes) {
            assertThat(ProbabilityRows.of(a)).isDeepEqualTo(a.castTo(DataType.FLOAT).toFloatMatrix());
        }
    }

    @Test
    void anEmptyBatchHasNoRows() {
        assertThat(ProbabilityRows.of(Nd4j.create(DataType.FLOAT, 0, 7))).isEmpty();
    }

    @Test
    void refusesWhatIsNotAMatrix() {
        assertThatThrownBy(() -> ProbabilityRows.of(Nd4j.rand(DataType.FLOAT, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[N, classes]");
    }
}
