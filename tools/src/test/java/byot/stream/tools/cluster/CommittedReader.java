package byot.stream.tools.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every partition of a topic from the beginning with {@code isolation.level=read_committed}, on a thread of
 * its own, and keeps each record: what a downstream consumer of an exactly-once job sees, in offset order per
 * partition.
 */
final class CommittedReader implements AutoCloseable {
    private final Thread thread;
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;

    CommittedReader(String bootstrap, String topic) {
        thread = new Thread(() -> run(bootstrap, topic), "committed-reader-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(64 << 20)); // model updates are MBs
        try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!stop) {
                var batch = consumer.poll(Duration.ofMillis(200));
                synchronized (records) {
                    batch.forEach(records::add);
                }
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    /** The records read so far; per partition in offset order. */
    List<ConsumerRecord<byte[], byte[]>> records() {
        if (failure.get() != null) {
            throw new IllegalStateException("reading committed records failed", failure.get());
        }
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }
}
