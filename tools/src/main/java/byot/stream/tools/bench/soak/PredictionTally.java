package byot.stream.tools.bench.soak;

import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.tools.pipeline.CommittedConsumer;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads the predictions topic as a downstream consumer would (read_committed) and keeps what a soak needs in
 * constant memory: which replayed events were answered (a bit per event, from the replay's ids
 * {@code <split>-<index>-<loop>}), how many twice, and the latencies of the current sampling interval.
 */
final class PredictionTally implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final JsonCodec<Prediction> codec = JsonCodec.predictions();
    private final int splitSize;
    private final BitSet answered = new BitSet();
    private long predicted;
    private long duplicates;
    private long malformed;
    private long newestVersion;
    private long[] latencies = new long[1024];
    private int latencyCount;

    /** {@code topic} is read from its beginning: a soak's topics are its own (see SoakCommand). */
    PredictionTally(KafkaClientProperties client, String topic, int splitSize) {
        this.splitSize = splitSize;
        this.consumer = CommittedConsumer.fromBeginning(client, List.of(topic));
    }

    /** Reads what is committed now (waits up to {@code wait} for the first records). */
    void poll(Duration wait) {
        long now = System.currentTimeMillis();
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
            if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencyCount * 2);
            }
            latencies[latencyCount++] = Math.max(0, now - p.eventTime());
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

    /** Latency quantiles of the interval since the last call, then starts a new interval. */
    long[] drainLatencies(double... quantiles) {
        long[] sorted = Arrays.copyOf(latencies, latencyCount);
        Arrays.sort(sorted);
        latencyCount = 0;
        long[] out = new long[quantiles.length];
        for (int i = 0; i < quantiles.length; i++) {
            out[i] = sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantiles[i] * sorted.length) - 1)];
        }
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
