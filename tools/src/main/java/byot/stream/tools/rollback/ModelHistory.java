package byot.stream.tools.rollback;

import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The committed records of a models topic, read once from the beginning ({@code read_committed}, no consumer group):
 * the record of one version, and the newest version on the topic, which a republication must go past.
 */
final class ModelHistory {

    /**
     * @param target     the last record carrying the asked version, if any (a restore re-announces a version with the
     *                   same weights, so several can)
     * @param newest     the highest version of any record that decoded; -1 when none did
     * @param unreadable records that did not decode, or did not verify under the key
     */
    record Scan(Optional<Found> target, long newest, List<String> unreadable) {}

    /** @param where {@code topic-partition@offset} */
    record Found(ModelUpdate update, String where) {}

    private final KafkaClientProperties client;
    private final ModelUpdateCodec codec;
    private final Duration timeout;

    ModelHistory(KafkaClientProperties client, ModelUpdateCodec codec, Duration timeout) {
        this.client = client;
        this.codec = codec;
        this.timeout = timeout;
    }

    Scan scan(String topic, long version) {
        var settings = client.toProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(Topics.MODELS_MAX_MESSAGE_BYTES),
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(Topics.MODELS_MAX_MESSAGE_BYTES)));
        Found target = null;
        long newest = -1;
        List<String> unreadable = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalArgumentException("topic " + topic + " does not exist");
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
                        unreadable.add(where + ": " + e.getMessage());
                        continue;
                    }
                    newest = Math.max(newest, update.modelVersion());
                    if (update.modelVersion() == version) {
                        target = new Found(update, where);
                    }
                }
            }
        }
        return new Scan(Optional.ofNullable(target), newest, unreadable);
    }
}
