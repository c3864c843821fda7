package byot.stream.connectors.kafka;

import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The newest committed model update of a models topic: where a fresh start of the learner continues its version line.
 *
 * <p>Reads only the tail of each partition (a model record is several MB), with {@code read_committed}, so an update
 * of an aborted or still open transaction is never taken. No consumer group: nothing is committed.
 */
public final class LatestModelReader {

    /** What the tail of the topic holds. */
    public sealed interface Result {
        /** The topic does not exist or holds no committed record. */
        record Empty(String topic) implements Result {}

        /** The newest committed record, decoded; {@code where} is {@code topic-partition@offset}. */
        record Found(ModelUpdate update, String where) implements Result {}

        /** The newest committed record does not decode (corrupt, another format, or fails verification). */
        record Undecodable(String where, MalformedRecordException error) implements Result {}
    }

    private final KafkaClientProperties client;
    private final ModelUpdateCodec codec;
    private final Duration timeout;

    public LatestModelReader(KafkaClientProperties client, ModelUpdateCodec codec, Duration timeout) {
        this.client = client;
        this.codec = codec;
        this.timeout = timeout;
    }

    /**
     * The newest committed record of {@code topic}; over several partitions, the one with the highest model version.
     *
     * @throws TimeoutException when the brokers do not answer within the timeout
     */
    public Result read(String topic) {
        try (var consumer = new KafkaConsumer<>(ModelsTopicScan.consumerSettings(client), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Result best = new Result.Empty(topic);
            for (TopicPartition partition : partitions) {
                Optional<ConsumerRecord<byte[], byte[]>> last = lastRecord(consumer, partition);
                if (last.isEmpty()) {
                    continue;
                }
                Result here = decode(last.get());
                if (here instanceof Result.Undecodable) {
                    // Continuing past it could step the version line back: report it, the caller decides.
                    return here;
                }
                if (!(best instanceof Result.Found f) || ((Result.Found) here).update().modelVersion() > f.update().modelVersion()) {
                    best = here;
                }
            }
            return best;
        }
    }

    private Result decode(ConsumerRecord<byte[], byte[]> record) {
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        try {
            return new Result.Found(codec.decode(record.value()), where);
        } catch (MalformedRecordException e) {
            return new Result.Undecodable(where, e);
        } catch (RuntimeException e) {
            // A verifying codec may fail in ways of its own; the caller must still be able to fall back.
            return new Result.Undecodable(where, new MalformedRecordException(MalformedRecordException.Reason.UNEXPECTED,
                    String.valueOf(e), e));
        }
    }

    /**
     * The last committed record before the partition's end. With transactions, the offsets just before the end are
     * commit markers, not records: the window read from the end doubles until it holds a record or the beginning.
     */
    private Optional<ConsumerRecord<byte[], byte[]>> lastRecord(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition) {
        consumer.assign(List.of(partition));
        long begin = consumer.beginningOffsets(List.of(partition), timeout).get(partition);
        long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
        long window = 2;
        while (end > begin) {
            long from = Math.max(begin, end - window);
            consumer.seek(partition, from);
            ConsumerRecord<byte[], byte[]> last = null;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(partition, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + partition + " up to offset " + end + " took over " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end) {
                        last = r;
                    }
                }
            }
            if (last != null) {
                return Optional.of(last);
            }
            if (from == begin) {
                return Optional.empty();
            }
            window *= 4;
        }
        return Optional.empty();
    }
}
