package byot.stream.model.train;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/** NaN compares false with everything: a range check written as "value < low" let it through into every weight. */
class SgdConfigTest {

    @Test
    void nonFiniteOrOutOfRangeHyperparametersAreRefused() {
        assertThatCode(() -> new SgdConfig(0.1, 0.9, 5e-4, LrSchedule.COSINE, 10)).doesNotThrowAnyException();
        assertThatCode(() -> new SgdConfig(0.1, 0, 0, LrSchedule.CONSTANT, 0)).doesNotThrowAnyException();
        for (double[] bad : new double[][] {
                {Double.NaN, 0.9, 5e-4}, {Double.POSITIVE_INFINITY, 0.9, 5e-4}, {0, 0.9, 5e-4},
                {0.1, Double.NaN, 5e-4}, {0.1, 1, 5e-4}, {0.1, -0.1, 5e-4},
                {0.1, 0.9, Double.NaN}, {0.1, 0.9, Double.POSITIVE_INFINITY}, {0.1, 0.9, -1e-4}}) {
            assertThatThrownBy(() -> new SgdConfig(bad[0], bad[1], bad[2], LrSchedule.CONSTANT, 0))
                    .as("lr %s, momentum %s, weight decay %s", bad[0], bad[1], bad[2])
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
