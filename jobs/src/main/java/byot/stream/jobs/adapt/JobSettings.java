package byot.stream.jobs.adapt;

import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.TopicSpec;
import byot.stream.connectors.signing.ModelKeyFile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * Everything a deployment of the pipeline decides besides the graph: Kafka, topics, delivery, checkpoints.
 *
 * @param bounded       stop at the image offsets that were latest at start (replays, tests)
 * @param bufferTimeout longest a record waits in a network buffer between tasks (Flink's default is 100 ms)
 * @param modelKey      signs the updates published on the models topic; empty: unsigned
 */
public record JobSettings(KafkaClientProperties client, Topics topics, String groupId, DeliveryGuarantee delivery,
                          Duration checkpointInterval, String checkpointDir, boolean bounded, int maxPixelBytes,
                          Duration bufferTimeout, Optional<ModelKeyFile> modelKey) {

    public JobSettings {
        Objects.requireNonNull(modelKey, "modelKey");
    }

    /** Unsigned model updates. */
    public JobSettings(KafkaClientProperties client, Topics topics, String groupId, DeliveryGuarantee delivery,
                       Duration checkpointInterval, String checkpointDir, boolean bounded, int maxPixelBytes,
                       Duration bufferTimeout) {
        this(client, topics, groupId, delivery, checkpointInterval, checkpointDir, bounded, maxPixelBytes, bufferTimeout,
                Optional.empty());
    }

    /** The same settings with another checkpoint interval and directory. */
    public JobSettings withCheckpoints(Duration interval, String dir) {
        return new JobSettings(client, topics, groupId, delivery, interval, dir, bounded, maxPixelBytes, bufferTimeout, modelKey);
    }

    /** Topic names; the defaults are those of docs/formats.md. */
    public record Topics(String images, String predictions, String models, String metrics, String deadLetter) {
        public static Topics defaults() {
            return new Topics(byot.stream.connectors.kafka.Topics.IMAGES, byot.stream.connectors.kafka.Topics.PREDICTIONS,
                    byot.stream.connectors.kafka.Topics.MODELS, byot.stream.connectors.kafka.Topics.METRICS,
                    byot.stream.connectors.kafka.Topics.DEAD_LETTER);
        }

        /** The default names behind {@code prefix-}, so that several pipelines can share one broker. */
        public static Topics prefixed(String prefix) {
            Topics d = defaults();
            return new Topics(prefix + "-" + d.images(), prefix + "-" + d.predictions(), prefix + "-" + d.models(),
                    prefix + "-" + d.metrics(), prefix + "-" + d.deadLetter());
        }

        /**
         * These names with the settings each topic needs ({@code connectors.kafka.Topics#all}): data topics get
         * {@code partitions}, models and metrics one, models its size and retention limits.
         */
        public List<TopicSpec> specs(int partitions) {
            Map<String, String> byRole = Map.of(byot.stream.connectors.kafka.Topics.IMAGES, images,
                    byot.stream.connectors.kafka.Topics.PREDICTIONS, predictions, byot.stream.connectors.kafka.Topics.MODELS, models,
                    byot.stream.connectors.kafka.Topics.METRICS, metrics, byot.stream.connectors.kafka.Topics.DEAD_LETTER, deadLetter);
            return byot.stream.connectors.kafka.Topics.all(partitions).stream()
                    .map(t -> new TopicSpec(byRole.get(t.name()), t.partitions(), t.configs())).toList();
        }
    }
}
