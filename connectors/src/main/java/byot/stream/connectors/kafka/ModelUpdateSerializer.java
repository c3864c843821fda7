package byot.stream.connectors.kafka;

import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes model updates to topic {@code models}, keyed by the model version (8 bytes, big-endian). The topic has
 * one partition ({@link Topics}), so consumers see versions in the order they were published.
 */
public final class ModelUpdateSerializer implements KafkaRecordSerializationSchema<ModelUpdate> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final ModelUpdateCodec codec;

    public ModelUpdateSerializer(String topic, ModelUpdateCodec codec) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(ModelUpdate update, KafkaSinkContext context, Long timestamp) {
        byte[] key = ByteBuffer.allocate(Long.BYTES).putLong(update.modelVersion()).array();
        return new ProducerRecord<>(topic, null, timestamp, key, codec.encode(update));
    }
}
