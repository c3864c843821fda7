package byot.stream.tools.pipeline;

import byot.stream.connectors.kafka.KafkaClientProperties;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A consumer that reads the pipeline's output as a downstream consumer would: {@code read_committed}, so an
 * exactly-once run shows only what its checkpoints committed; assigned every partition of its topics, no group.
 */
public final class CommittedConsumer {

    private CommittedConsumer() {
    }

    /**
     * Positioned at the end of each partition as of now: a run on a broker that already holds these topics reads
     * only what it adds itself. On an embedded broker's fresh topics that is the beginning.
     */
    public static KafkaConsumer<byte[], byte[]> fromEnd(KafkaClientProperties client, Collection<String> topics) {
        KafkaConsumer<byte[], byte[]> consumer = create(client);
        List<TopicPartition> partitions = partitions(consumer, topics);
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolves the end now, not at the first poll after the job has written
        return consumer;
    }

    /** Positioned at the beginning of each partition: everything committed there, before or after now. */
    public static KafkaConsumer<byte[], byte[]> fromBeginning(KafkaClientProperties client, Collection<String> topics) {
        KafkaConsumer<byte[], byte[]> consumer = create(client);
        List<TopicPartition> partitions = partitions(consumer, topics);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static KafkaConsumer<byte[], byte[]> create(KafkaClientProperties client) {
        return new KafkaConsumer<>(client.toProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000")), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, Collection<String> topics) {
        return topics.stream()
                .flatMap(t -> consumer.partitionsFor(t).stream().map(p -> new TopicPartition(t, p.partition())))
                .toList();
    }
}
