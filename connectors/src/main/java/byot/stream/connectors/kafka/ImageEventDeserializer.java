package byot.stream.connectors.kafka;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes topic {@code images}. Never throws on bad bytes: a record that does not decode becomes a
 * {@link Decoded#failed dead letter} carrying its topic, partition, offset and reason.
 */
public final class ImageEventDeserializer implements KafkaRecordDeserializationSchema<Decoded> {
    private static final long serialVersionUID = 1L;

    private final ImageEventCodec codec;

    public ImageEventDeserializer(ImageLimits limits) {
        this.codec = new ImageEventCodec(limits);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Decoded> out) {
        Decoded decoded;
        try {
            decoded = Decoded.ok(codec.decode(record.value()));
        } catch (Exception e) {   // a poison record must not put the job in a restart loop
            decoded = Decoded.failed(DeadLetter.of(record.topic(), record.partition(), record.offset(),
                    record.timestamp(), record.value(), e));
        }
        out.collect(decoded);
    }

    @Override
    public TypeInformation<Decoded> getProducedType() {
        return TypeInformation.of(Decoded.class);
    }
}
