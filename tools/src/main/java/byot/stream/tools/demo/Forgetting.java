package byot.stream.tools.demo;

import byot.stream.connectors.format.Prediction;
import byot.stream.tools.train.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What adapting to the shifted domain cost on the old one: the accuracy on un-shifted held-out images of the model
 * serving when the shift began, and of the final model. Both are scored offline on the same images, so the
 * difference is the models', not the images'.
 *
 * @param heldOut which images, for the report
 */
record Forgetting(long versionAtShift, double accuracyAtShift, long finalVersion, double finalAccuracy, String heldOut) {

    /** Accuracy lost on the old domain, positive when the final model is worse; negative when it got better. */
    double drop() {
        return accuracyAtShift - finalAccuracy;
    }

    /**
     * The model serving at the shift: the newest version that answered an event before it. (One that answered a
     * later event may already have learned from shifted ones.) Empty when no pre-shift event was answered.
     */
    static OptionalLong versionAtShift(List<Prediction> predictions, ReplayPositions positions, long shiftAfter) {
        return predictions.stream().filter(p -> {
                    long position = positions.of(p.id());
                    return position >= 0 && position < shiftAfter;
                })
                .mapToLong(Prediction::modelVersion).max();
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("heldOut", heldOut);
        json.put("modelVersionAtShift", versionAtShift);
        json.put("accuracyAtShift", Json.round(accuracyAtShift));
        json.put("finalModelVersion", finalVersion);
        json.put("finalAccuracy", Json.round(finalAccuracy));
        return json;
    }
}
