package byot.stream.connectors.kafka;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.Prediction;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes one of the JSON formats to a fixed topic, keyed as {@code docs/formats.md} says for that topic. */
public final class JsonRecordSerializer<T> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    /** Picks the Kafka key of a value; {@code null} lets the producer spread records over partitions. */
    @FunctionalInterface
    public interface KeySelector<T> extends Serializable {
        byte[] key(T value);
    }

    private final String topic;
    private final JsonCodec<T> codec;
    private final KeySelector<T> keys;

    private JsonRecordSerializer(String topic, JsonCodec<T> codec, KeySelector<T> keys) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.codec = codec;
        this.keys = keys;
    }

    /** Keyed by source id: one device's predictions stay ordered, as its images were. */
    public static JsonRecordSerializer<Prediction> predictions(String topic) {
        return new JsonRecordSerializer<>(topic, JsonCodec.predictions(),
                p -> p.sourceId().getBytes(StandardCharsets.UTF_8));
    }

    /** Keyed by source topic, so dead letters of one input stay together. */
    public static JsonRecordSerializer<DeadLetter> deadLetters(String topic) {
        return new JsonRecordSerializer<>(topic, JsonCodec.deadLetters(),
                d -> d.topic().getBytes(StandardCharsets.UTF_8));
    }

    public static JsonRecordSerializer<MetricsWindow> metricsWindows(String topic) {
        return new JsonRecordSerializer<>(topic, JsonCodec.metricsWindows(), w -> null);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T value, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, timestamp, keys.key(value), codec.encode(value));
    }
}
