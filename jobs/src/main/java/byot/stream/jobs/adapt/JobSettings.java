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
 * Everything a deployment of the pipeline decides besides the graph, in named parts: where Kafka is and which topics,
 * where checkpoints go, what the image source reads, how long records wait in network buffers, and the key that
 * signs published models.
 *
 * @param bufferTimeout longest a record waits in a network buffer between tasks (Flink's default is 100 ms)
 * @param modelKey      signs the updates published on the models topic; empty: unsigned
 */
public record JobSettings(Kafka kafka, Checkpoints checkpoints, Source source, Duration bufferTimeout,
                          Optional<ModelKeyFile> modelKey) {

    /** Network buffers flush after 5 ms: latency over throughput, as the pipeline answers one camera at a time. */
    public static final Duration DEFAULT_BUFFER_TIMEOUT = Duration.ofMillis(5);

    public JobSettings {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(checkpoints, "checkpoints");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(bufferTimeout, "bufferTimeout");
        Objects.requireNonNull(modelKey, "modelKey");
    }

    /** An unbounded source of images up to 1 MiB, the default buffer timeout, unsigned model updates. */
    public JobSettings(Kafka kafka, Checkpoints checkpoints) {
        this(kafka, checkpoints, Source.unbounded(), DEFAULT_BUFFER_TIMEOUT, Optional.empty());
    }

    /**
     * Where the job reads and writes.
     *
     * @param groupId consumer group of the image source, and the prefix of the sinks' transactional ids
     */
    public record Kafka(KafkaClientProperties client, Topics topics, String groupId, DeliveryGuarantee delivery) {
        public Kafka {
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(delivery, "delivery");
        }
    }

    /** How often the job checkpoints, and where (a file-system URI: model state is several MB). */
    public record Checkpoints(Duration interval, String dir) {
        public Checkpoints {
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(dir, "dir");
        }
    }

    /**
     * What the image source reads.
     *
     * @param bounded       stop at the image offsets that were latest at start (replays, tests)
     * @param maxPixelBytes images with more pixel bytes are dead letters
     */
    public record Source(boolean bounded, int maxPixelBytes) {
        public static Source unbounded() {
            return new Source(false, 1 << 20);
        }
    }

    public KafkaClientProperties client() {
        return kafka.client();
    }

    public Topics topics() {
        return kafka.topics();
    }

    public String groupId() {
        return kafka.groupId();
    }

    public DeliveryGuarantee delivery() {
        return kafka.delivery();
    }

    public Duration checkpointInterval() {
        return checkpoints.interval();
    }

    public String checkpointDir() {
        return checkpoints.dir();
    }

    public boolean bounded() {
        return source.bounded();
    }

    public int maxPixelBytes() {
        return source.maxPixelBytes();
    }

    /** The same settings, signing published models with {@code key}. */
    public JobSettings withModelKey(Optional<ModelKeyFile> key) {
        return new JobSettings(kafka, checkpoints, source, bufferTimeout, key);
    }

    /** Topic names; the defaults are those of docs/formats.md. */
    public record Topics(String images, String predictions, String models, String metrics, String deadLetter) {

        public Topics {
            // Two sinks on one topic would share a transactional-id prefix ("<group id>-<topic>") and fence each
            // other in a restart loop; the images topic among the outputs would feed the job its own records.
            List<String> names = List.of(images, predictions, models, metrics, deadLetter);
            if (names.stream().distinct().count() != names.size()) {
                throw new IllegalArgumentException("the five topics must have five different names, got images " + images
                        + ", predictions " + predictions + ", models " + models + ", metrics " + metrics + ", dead-letter " + deadLetter);
            }
        }

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
