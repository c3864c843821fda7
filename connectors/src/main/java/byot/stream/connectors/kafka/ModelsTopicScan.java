package byot.stream.connectors.kafka;

import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every committed record of a models topic once, from its beginning to its end as of the call
 * ({@code read_committed}, no consumer group), handing each to a {@link Visitor}: decoded (and verified, with a signing
 * codec), or unreadable with its reason. Tools that look back over the version history (the demo's offline scoring,
 * {@code byot rollback}) share it; the job itself needs only the newest record ({@link LatestModelReader}).
 */
public final class ModelsTopicScan {

    /** What a scan finds, record by record, in offset order per partition. */
    public interface Visitor {
        /** @param where {@code topic-partition@offset} */
        void decoded(ModelUpdate update, String where);

        void unreadable(String where, String reason);
    }

    private final KafkaClientProperties client;
    private final ModelUpdateCodec codec;
    private final Duration timeout;

    public ModelsTopicScan(KafkaClientProperties client, ModelUpdateCodec codec, Duration timeout) {
        this.client = client;
        this.codec = codec;
        this.timeout = timeout;
    }

    /**
     * A consumer's settings for a models topic: committed records only, no offsets committed, records as large as
     * the topic accepts, and looking never creates the topic (with broker defaults: 1 MB records, wrong partitions).
     */
    static Properties consumerSettings(KafkaClientProperties client) {
        return client.toProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(Topics.MODELS_MAX_MESSAGE_BYTES),
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(Topics.MODELS_MAX_MESSAGE_BYTES)));
    }

    /**
     * Visits {@code topic}'s records up to its end as of this call.
     *
     * @return false when the topic does not exist (nothing visited)
     * @throws TimeoutException when the brokers do not answer, or reading to the end takes longer than the timeout
     */
    public boolean scan(String topic, Visitor visitor) {
        try (var consumer = new KafkaConsumer<>(consumerSettings(client), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (partitions.isEmpty()) {
                return false;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + topic + " to its end took over " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String where = r.topic() + "-" + r.partition() + "@" + r.offset();
                    ModelUpdate update;
                    try {
                        update = codec.decode(r.value());
                    } catch (MalformedRecordException | RuntimeException e) {
                        visitor.unreadable(where, e.getMessage());
                        continue;
                    }
                    visitor.decoded(update, where);
                }
            }
            return true;
        }
    }
}
