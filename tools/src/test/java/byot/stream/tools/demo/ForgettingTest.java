package byot.stream.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import byot.stream.connectors.format.Prediction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForgettingTest {

    @Test
    void forgettingIsTheDropFromTheModelAtTheShiftToTheFinalOne() {
        assertThat(new Forgetting(4, 0.91, 12, 0.885, "held out").drop()).isCloseTo(0.025, within(1e-12));
        assertThat(new Forgetting(4, 0.88, 12, 0.90, "held out").drop()).as("the final model got better")
                .isCloseTo(-0.02, within(1e-12));
    }

    @Test
    void theReportShowsBothModels() {
        assertThat(new Forgetting(4, 0.91, 12, 0.885, "train 55000-59999").toJson())
                .containsEntry("modelVersionAtShift", 4L).containsEntry("accuracyAtShift", 0.91)
                .containsEntry("finalModelVersion", 12L).containsEntry("finalAccuracy", 0.885)
                .containsEntry("heldOut", "train 55000-59999");
    }

    @Test
    void theModelAtTheShiftIsTheNewestThatAnsweredAPreShiftEvent() {
        List<Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            predictions.add(prediction(i, 1 + i / 20));
        }
        // Answered late by a newer version; still before the shift.
        predictions.add(prediction(10, 4));
        assertThat(Forgetting.versionAtShift(predictions, ReplayPositions.fileOrder(10_000), 50)).hasValue(4);
        assertThat(Forgetting.versionAtShift(predictions, ReplayPositions.fileOrder(10_000), 0)).isEmpty();
    }

    private static Prediction prediction(int index, long version) {
        return new Prediction("test-" + index + "-0", "camera-0", 0, 0.9, 1, new double[] {0.9}, version, index, 1, null);
    }
}
