package byot.stream.connectors.kafka;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/** The topics of the pipeline and the settings each needs; formats are in docs/formats.md. */
public final class Topics {
    public static final String IMAGES = "images";
    public static final String PREDICTIONS = "predictions";
    public static final String MODELS = "models";
    public static final String METRICS = "metrics";
    public static final String DEAD_LETTER = "dead-letter";

    /** Model files run to tens of MB; the broker default of 1 MB would reject them. */
    public static final int MODELS_MAX_MESSAGE_BYTES = 64 << 20;

    private Topics() {}

    /**
     * Every topic. Data topics get {@code partitions}; {@code models} and {@code metrics} get one, because their
     * consumers need versions and windows in publication order.
     */
    public static List<TopicSpec> all(int partitions) {
        return List.of(
                new TopicSpec(IMAGES, partitions, Map.of()),
                new TopicSpec(PREDICTIONS, partitions, Map.of()),
                new TopicSpec(MODELS, 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MODELS_MAX_MESSAGE_BYTES))),
                new TopicSpec(METRICS, 1, Map.of()),
                new TopicSpec(DEAD_LETTER, partitions, Map.of()));
    }
}
