package byot.stream.connectors.kafka;

import java.util.Objects;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * How a job writes one topic.
 *
 * @param transactionalIdPrefix required for {@link DeliveryGuarantee#EXACTLY_ONCE}; unique per job and topic,
 *     because Kafka fences producers that share a transactional id
 */
public record SinkConfig(KafkaClientProperties client, String topic, DeliveryGuarantee guarantee,
        String transactionalIdPrefix) {
    public SinkConfig {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(guarantee, "guarantee");
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE && (transactionalIdPrefix == null || transactionalIdPrefix.isBlank())) {
            throw new IllegalArgumentException("exactly-once sink for topic " + topic + " needs a transactionalIdPrefix");
        }
    }

    public static SinkConfig atLeastOnce(KafkaClientProperties client, String topic) {
        return new SinkConfig(client, topic, DeliveryGuarantee.AT_LEAST_ONCE, null);
    }

    public static SinkConfig exactlyOnce(KafkaClientProperties client, String topic, String transactionalIdPrefix) {
        return new SinkConfig(client, topic, DeliveryGuarantee.EXACTLY_ONCE, transactionalIdPrefix);
    }
}
