package byot.stream.tools.bench.soak;

import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.tools.pipeline.CommittedConsumer;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the predictions topic as a downstream consumer would (read_committed) and keeps what a soak needs in
 * constant memory: which replayed events were answered (a bit per event, from the replay's ids
 * {@code <split>-<index>-<loop>}), how many twice, and the latencies of the current sampling interval.
 */
final class PredictionTally implements AutoCloseable {

    private final Consumer<byte[], byte[]> consumer;
    private final LongSupplier clock;
    private final JsonCodec<Prediction> codec = JsonCodec.predictions();
    private final int splitSize;
    private final BitSet answered = new BitSet();
    private long predicted;
    private long duplicates;
    private long malformed;
    private long newestVersion;
    /** This interval's latencies in ms; 4 significant digits keep every value under 32.7 s exact. */
    private final Histogram latencies = new Histogram(4);

    /** {@code topic} is read from its beginning: a soak's topics are its own (see SoakCommand). */
    PredictionTally(KafkaClientProperties client, String topic, int splitSize) {
        this(CommittedConsumer.fromBeginning(client, List.of(topic)), splitSize, System::currentTimeMillis);
    }

    /** For tests: {@code consumer} is assigned to {@code partitions} partitions of {@code topic} from their beginning. */
    PredictionTally(Consumer<byte[], byte[]> consumer, String topic, int partitions, int splitSize, LongSupplier clock) {
        this(fromBeginning(consumer, topic, partitions), splitSize, clock);
    }

    private PredictionTally(Consumer<byte[], byte[]> consumer, int splitSize, LongSupplier clock) {
        this.consumer = consumer;
        this.splitSize = splitSize;
        this.clock = clock;
    }

    private static Consumer<byte[], byte[]> fromBeginning(Consumer<byte[], byte[]> consumer, String topic, int partitions) {
        List<TopicPartition> assigned = java.util.stream.IntStream.range(0, partitions)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        return consumer;
    }

    /** Reads what is committed now (waits up to {@code wait} for the first records). */
    void poll(Duration wait) {
        long now = clock.getAsLong();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
            Prediction p;
            try {
                p = codec.decode(r.value());
            } catch (Exception e) {
                malformed++;
                continue;
            }
            predicted++;
            int bit = bit(p.id());
            if (bit >= 0 && answered.get(bit)) {
                duplicates++;
            } else if (bit >= 0) {
                answered.set(bit);
            }
            newestVersion = Math.max(newestVersion, p.modelVersion());
            latencies.recordValue(Math.max(0, now - p.eventTime()));
        }
    }

    /** Replay ids are {@code <split>-<index>-<loop>}: one bit per replayed event. */
    private int bit(String id) {
        int loopDash = id.lastIndexOf('-');
        int indexDash = id.lastIndexOf('-', loopDash - 1);
        try {
            long index = Long.parseLong(id, indexDash + 1, loopDash, 10);
            long loop = Long.parseLong(id, loopDash + 1, id.length(), 10);
            return Math.toIntExact(loop * splitSize + index);
        } catch (RuntimeException e) {
            malformed++;
            return -1;
        }
    }

    /**
     * Latency quantiles (0..1) of the interval since the last call, then starts a new interval; 0 when nothing was
     * read. HdrHistogram's quantiles are nearest-rank: the smallest recorded value with at least that share of the
     * values at or below it (no interpolation).
     */
    long[] drainLatencies(double... quantiles) {
        long[] out = new long[quantiles.length];
        for (int i = 0; i < quantiles.length; i++) {
            out[i] = latencies.getTotalCount() == 0 ? 0 : latencies.getValueAtPercentile(100 * quantiles[i]);
        }
        latencies.reset();
        return out;
    }

    long predicted() {
        return predicted;
    }

    long distinct() {
        return answered.cardinality();
    }

    long duplicates() {
        return duplicates;
    }

    long malformed() {
        return malformed;
    }

    long newestVersion() {
        return newestVersion;
    }

    /** How many of the first {@code sent} replayed events have no prediction. */
    long missing(long sent) {
        return sent - answered.get(0, Math.toIntExact(sent)).cardinality();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
