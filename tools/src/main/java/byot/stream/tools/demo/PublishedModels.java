package byot.stream.tools.demo;

import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Model versions read back from a models topic after a run, to score them offline: the committed records
 * ({@code read_committed}) from the beginning of the topic to its end as of the call. Only the versions asked for
 * and the newest are kept (each is megabytes); a record that does not decode or verify under the codec is skipped and
 * counted. When a version line was restarted ({@code --fresh}) a number can occur twice: the later record wins.
 */
final class PublishedModels {

    /** @param newest the highest version read; empty when the topic holds none */
    record Found(Map<Long, ModelUpdate> wanted, Optional<ModelUpdate> newest, int undecodable) {}

    private final KafkaClientProperties client;
    private final ModelUpdateCodec codec;
    private final Duration timeout;

    PublishedModels(KafkaClientProperties client, ModelUpdateCodec codec, Duration timeout) {
        this.client = client;
        this.codec = codec;
        this.timeout = timeout;
    }

    Found read(String topic, Set<Long> versions) {
        var settings = client.toProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(Topics.MODELS_MAX_MESSAGE_BYTES),
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(Topics.MODELS_MAX_MESSAGE_BYTES)));
        Map<Long, ModelUpdate> wanted = new HashMap<>();
        ModelUpdate newest = null;
        int undecodable = 0;
        try (var consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!readToEnd(consumer, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + topic + " to its end took over " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ModelUpdate update;
                    try {
                        update = codec.decode(r.value());
                    } catch (MalformedRecordException | RuntimeException e) {
                        undecodable++;
                        continue;
                    }
                    if (versions.contains(update.modelVersion())) {
                        wanted.put(update.modelVersion(), update);
                    }
                    if (newest == null || update.modelVersion() >= newest.modelVersion()) {
                        newest = update;
                    }
                }
            }
        }
        return new Found(wanted, Optional.ofNullable(newest), undecodable);
    }

    private boolean readToEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        for (var end : ends.entrySet()) {
            if (consumer.position(end.getKey(), timeout) < end.getValue()) {
                return false;
            }
        }
        return true;
    }
}
