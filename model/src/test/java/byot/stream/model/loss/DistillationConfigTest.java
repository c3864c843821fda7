package byot.stream.model.loss;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A weight or temperature that is not a finite number makes every step's loss NaN: refused when configured. */
class DistillationConfigTest {

    private static DistillationConfig config(double alpha, double lambda, double temperature) {
        return new DistillationConfig(TrainingMode.BYOT, alpha, lambda, temperature, 0, DistillationConfig.Teacher.DEEPEST);
    }

    @Test
    void nonFiniteWeightsAndTemperaturesAreRefused() {
        assertThatThrownBy(() -> config(Double.NaN, 0.03, 3)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> config(0.3, Double.NaN, 3)).hasMessageContaining("lambda");
        assertThatThrownBy(() -> config(0.3, Double.POSITIVE_INFINITY, 3)).hasMessageContaining("lambda");
        assertThatThrownBy(() -> config(0.3, 0.03, Double.POSITIVE_INFINITY)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> config(0.3, 0.03, Double.NaN)).hasMessageContaining("temperature");
        assertThatCode(() -> config(1, 0, 1e-3)).doesNotThrowAnyException();
    }
}
