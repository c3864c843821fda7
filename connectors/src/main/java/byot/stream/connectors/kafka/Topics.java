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
    /**
     * What {@code models} keeps: a new multi-MB version every few seconds would fill a disk within a day under the
     * broker's default of 7 days and no size cap. 1 GiB still holds at least 16 versions of the largest model (and
     * hundreds of the default one); only the newest is needed to resume or audit the version line.
     */
    public static final long MODELS_RETENTION_BYTES = 1L << 30;
    /**
     * No time limit: time retention deletes the open segment too once it is old, so after a quiet day the topic would
     * be empty and a fresh start could not continue the version line. Size retention never deletes the newest
     * segment, so the newest version always stays.
     */
    public static final long MODELS_RETENTION_MS = -1;
    /**
     * Size retention deletes closed segments only, so segments must close: by size (twice the largest record, which a
     * segment must be able to hold) or, on a quiet topic, after an hour.
     */
    public static final int MODELS_SEGMENT_BYTES = 2 * MODELS_MAX_MESSAGE_BYTES;
    public static final long MODELS_SEGMENT_MS = 60L * 60 * 1000;

    private Topics() {}

    /**
     * Every topic. Data topics get {@code partitions}; {@code models} and {@code metrics} get one, because their
     * consumers need versions and windows in publication order.
     */
    public static List<TopicSpec> all(int partitions) {
        return List.of(
                new TopicSpec(IMAGES, partitions, Map.of()),
                new TopicSpec(PREDICTIONS, partitions, Map.of()),
                new TopicSpec(MODELS, 1, Map.of(
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MODELS_MAX_MESSAGE_BYTES),
                        TopicConfig.RETENTION_BYTES_CONFIG, String.valueOf(MODELS_RETENTION_BYTES),
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(MODELS_RETENTION_MS),
                        TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(MODELS_SEGMENT_BYTES),
                        TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(MODELS_SEGMENT_MS))),
                new TopicSpec(METRICS, 1, Map.of()),
                new TopicSpec(DEAD_LETTER, partitions, Map.of()));
    }
}
