package byot.stream.connectors.format;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer for one image on topic {@code predictions} (JSON, see docs/formats.md). The image left the network at
 * exit {@code exitDepth}; {@code exitConfidences} holds the max-softmax confidence of every exit evaluated on the
 * way, so its last element is {@code confidence}.
 *
 * @param label the true class when the image carried one, else {@code null}
 */
public record Prediction(String id, String sourceId, int predictedClass, double confidence, int exitDepth,
        double[] exitConfidences, long modelVersion, long eventTime, long latencyMs, Integer label) {

    public Prediction {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sourceId, "sourceId");
        Objects.requireNonNull(exitConfidences, "exitConfidences");
        if (predictedClass < 0) {
            throw new IllegalArgumentException("predictedClass must be >= 0, got " + predictedClass);
        }
        if (exitDepth < 1 || exitConfidences.length != exitDepth) {
            throw new IllegalArgumentException("exitDepth " + exitDepth + " needs one confidence per exit evaluated, got "
                    + exitConfidences.length);
        }
        if (!(confidence >= 0 && confidence <= 1)) {
            throw new IllegalArgumentException("confidence must be in [0, 1], got " + confidence);
        }
        if (label != null && label < 0) {
            throw new IllegalArgumentException("label must be >= 0 or null, got " + label);
        }
    }

    /** Whether a labelled prediction was right; empty when the image had no label. */
    public Optional<Boolean> correct() {
        return label == null ? Optional.empty() : Optional.of(label == predictedClass);
    }
}
