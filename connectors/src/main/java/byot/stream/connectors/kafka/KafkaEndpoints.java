package byot.stream.connectors.kafka;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.signing.ModelKeyFile;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Flink sources and sinks for the pipeline's topics. The smallest use:
 * <pre>{@code
 * var client = KafkaClientProperties.of("localhost:9092");
 * env.fromSource(KafkaEndpoints.images(new ImageSourceConfig(client, Topics.IMAGES, "predict", false,
 *         ImageLimits.DEFAULT)), WatermarkStrategy.noWatermarks(), "images");
 * }</pre>
 */
public final class KafkaEndpoints {
    /**
     * The exactly-once sinks' {@code transaction.timeout.ms}: above a broker's default transaction.max.timeout.ms
     * (15 min) the producer is refused; Flink's default is 1 h. A transaction stays open from one checkpoint to the
     * commit after the next, so the checkpoint interval plus the longest checkpoint must stay below it.
     */
    public static final java.time.Duration TRANSACTION_TIMEOUT = java.time.Duration.ofMinutes(15);
    static final String TRANSACTION_TIMEOUT_MS = String.valueOf(TRANSACTION_TIMEOUT.toMillis());

    private KafkaEndpoints() {}

    /**
     * Reads images from the committed offsets of the group, or from the earliest offset for a new group; only
     * committed transactions are read, so aborted replays never reach the model.
     */
    @SuppressWarnings("deprecation")   // flink-connector-kafka 5.0.0-2.2 still takes Kafka's deprecated OffsetResetStrategy
    public static KafkaSource<Decoded> images(ImageSourceConfig c) {
        var builder = KafkaSource.<Decoded>builder()
                .setProperties(c.client().toProperties(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")))
                .setTopics(c.topic())
                .setGroupId(c.groupId())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new ImageEventDeserializer(c.limits()));
        if (c.bounded()) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    public static KafkaSink<Prediction> predictions(SinkConfig c) {
        return sink(c, JsonRecordSerializer.predictions(c.topic()), Map.of());
    }

    public static KafkaSink<DeadLetter> deadLetters(SinkConfig c) {
        return sink(c, JsonRecordSerializer.deadLetters(c.topic()), Map.of());
    }

    public static KafkaSink<MetricsWindow> metrics(SinkConfig c) {
        return sink(c, JsonRecordSerializer.metricsWindows(c.topic()), Map.of());
    }

    /** Unsigned model updates; readers with a model key refuse them. */
    public static KafkaSink<ModelUpdate> models(SinkConfig c) {
        return models(c, Optional.empty());
    }

    /** Model updates signed with the key, when there is one (docs/formats.md, model update). */
    public static KafkaSink<ModelUpdate> models(SinkConfig c, Optional<ModelKeyFile> key) {
        return sink(c, modelsSerializer(c.topic(), key), modelsProducerDefaults());
    }

    static ModelUpdateSerializer modelsSerializer(String topic, Optional<ModelKeyFile> key) {
        return new ModelUpdateSerializer(topic, ModelUpdateCodec.forKey(key));
    }

    /**
     * Producer settings a record of up to the {@code models} topic's {@code max.message.bytes} needs. A record must
     * also fit {@code buffer.memory} (Kafka's default 32 MiB refuses a 45 MB ResNet18 at width 1); twice the largest
     * record lets the next one be buffered while one is in flight. It is a cap, not an allocation: a record larger
     * than {@code batch.size} gets its own buffer, freed once sent.
     */
    public static Map<String, String> modelsProducerDefaults() {
        return Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Topics.MODELS_MAX_MESSAGE_BYTES),
                ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(2L * Topics.MODELS_MAX_MESSAGE_BYTES));
    }

    private static <T> KafkaSink<T> sink(SinkConfig c, KafkaRecordSerializationSchema<T> schema, Map<String, String> extra) {
        Map<String, String> defaults = new HashMap<>(extra);
        if (c.guarantee() == DeliveryGuarantee.EXACTLY_ONCE) {
            defaults.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
        }
        var builder = KafkaSink.<T>builder()
                .setKafkaProducerConfig(c.client().toProperties(defaults))
                .setBootstrapServers(c.client().bootstrapServers())
                .setRecordSerializer(schema)
                .setDeliveryGuarantee(c.guarantee());
        if (c.guarantee() == DeliveryGuarantee.EXACTLY_ONCE) {
            builder.setTransactionalIdPrefix(c.transactionalIdPrefix());
        }
        return builder.build();
    }
}
