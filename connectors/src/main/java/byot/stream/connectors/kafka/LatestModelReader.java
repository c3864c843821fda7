package byot.stream.connectors.kafka;

import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The newest committed model update of a models topic that decodes: where a fresh start of the learner continues its
 * version line.
 *
 * <p>Reads each partition from its tail backwards (a model record is several MB), with {@code read_committed}, so an
 * update of an aborted or still open transaction is never taken. No consumer group: nothing is committed. Records
 * that do not decode (a tombstone, a truncated or corrupt one, one that fails verification under the reader's key)
 * are stepped over to the newest one that does, and reported: starting from the configured model instead would
 * restart the version line below what consumers already serve, and on a signed topic anyone able to write one
 * unsigned record could make it do so.
 */
public final class LatestModelReader {

    /** What the topic holds. */
    public sealed interface Result {
        /** The topic does not exist or holds no committed record. */
        record Empty(String topic) implements Result {}

        /**
         * The newest committed record that decodes; {@code where} is {@code topic-partition@offset}.
         *
         * @param skipped how many newer committed records did not decode
         * @param newestSkipped the newest of them; null when none was skipped
         */
        record Found(ModelUpdate update, String where, int skipped, Undecodable newestSkipped) implements Result {
            public Found {
                if ((skipped == 0) != (newestSkipped == null)) {
                    throw new IllegalArgumentException("newestSkipped must be given exactly when records were skipped");
                }
            }

            public Found(ModelUpdate update, String where) {
                this(update, where, 0, null);
            }
        }

        /** No committed record decodes (corrupt, another format, or fails verification); {@code where} is the newest. */
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
     * The newest committed record of {@code topic} that decodes; over several partitions, the one with the highest
     * model version, counting every record skipped on the way.
     *
     * @throws TimeoutException when the brokers do not answer within the timeout
     */
    public Result read(String topic) {
        try (var consumer = new KafkaConsumer<>(ModelsTopicScan.consumerSettings(client), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Result.Found best = null;
            Result.Undecodable newestBad = null;
            int skipped = 0;
            for (TopicPartition partition : partitions) {
                Tail tail = newestDecodable(consumer, partition);
                skipped += tail.skipped();
                if (newestBad == null) {
                    newestBad = tail.newestBad();
                }
                if (tail.found() != null && (best == null || tail.found().update().modelVersion() > best.update().modelVersion())) {
                    best = tail.found();
                }
            }
            if (best != null) {
                return new Result.Found(best.update(), best.where(), skipped, skipped == 0 ? null : newestBad);
            }
            return newestBad != null ? newestBad : new Result.Empty(topic);
        }
    }

    /** One partition read from its end: the newest record that decodes (or null), and the newer ones that did not. */
    private record Tail(Result.Found found, int skipped, Result.Undecodable newestBad) {}

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
     * Reads windows of the partition backwards from its end, each four times the last (with transactions the offsets
     * just before the end are commit markers, not records), decoding records as they arrive so that at most one model
     * is held at a time, until a window holds a record that decodes or the beginning is reached.
     */
    private Tail newestDecodable(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition) {
        consumer.assign(List.of(partition));
        long begin = consumer.beginningOffsets(List.of(partition), timeout).get(partition);
        long to = consumer.endOffsets(List.of(partition), timeout).get(partition);
        long window = 2;
        int skipped = 0;
        Result.Undecodable newestBad = null;
        while (to > begin) {
            long from = Math.max(begin, to - window);
            consumer.seek(partition, from);
            Result.Found good = null;
            int badAfterGood = 0;
            Result.Undecodable newestBadHere = null;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(partition, timeout) < to) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + partition + " from offset " + from + " to " + to + " took over " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= to) {
                        continue;
                    }
                    Result here = decode(r);
                    if (here instanceof Result.Found f) {
                        good = f;
                        badAfterGood = 0;
                        newestBadHere = null;
                    } else {
                        badAfterGood++;
                        newestBadHere = (Result.Undecodable) here;
                    }
                }
            }
            skipped += badAfterGood;
            if (newestBad == null) {
                newestBad = newestBadHere;
            }
            if (good != null) {
                return new Tail(new Result.Found(good.update(), good.where(), skipped, skipped == 0 ? null : newestBad), skipped, newestBad);
            }
            to = from;
            window *= 4;
        }
        return new Tail(null, skipped, newestBad);
    }
}
