package byot.stream.tools.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.Prediction;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PredictionTallyTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final TopicPartition PARTITION = new TopicPartition("predictions", 0);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private long offset;

    @Test
    void latencyQuantilesAreNearestRankOverTheIntervalThenStartAfresh() {
        PredictionTally tally = tally();
        for (int i = 1; i <= 100; i++) {
            send(i, 0, i); // latencies 1..100 ms
        }
        tally.poll(Duration.ZERO);
        assertThat(tally.drainLatencies(0.5, 0.99, 1.0)).containsExactly(50, 99, 100);
        assertThat(tally.drainLatencies(0.5, 0.99)).as("a new interval with nothing read").containsExactly(0, 0);
    }

    @Test
    void secondsLongLatenciesStayExactToTheMillisecond() {
        PredictionTally tally = tally();
        for (int i = 1; i <= 200; i++) {
            send(i, 0, 20_000 + i);
        }
        tally.poll(Duration.ZERO);
        assertThat(tally.drainLatencies(0.5, 0.99)).containsExactly(20_100, 20_198);
    }

    @Test
    void countsAnsweredDuplicateAndMalformedPredictions() {
        PredictionTally tally = tally();
        send(0, 0, 5);
        send(1, 0, 5);
        send(1, 0, 5);
        send(0, 1, 5); // the second loop over a split of 10
        consumer.addRecord(new ConsumerRecord<>(PARTITION.topic(), 0, offset++, null, "{".getBytes()));
        tally.poll(Duration.ZERO);
        assertThat(tally.predicted()).isEqualTo(4);
        assertThat(tally.distinct()).isEqualTo(3);
        assertThat(tally.duplicates()).isEqualTo(1);
        assertThat(tally.malformed()).isEqualTo(1);
        assertThat(tally.missing(11)).as("events 2-9 of the first loop").isEqualTo(8);
    }

    private PredictionTally tally() {
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        return new PredictionTally(consumer, PARTITION.topic(), 1, 10, () -> NOW);
    }

    private void send(int index, int loop, long latencyMs) {
        Prediction p = new Prediction("test-" + index + "-" + loop, "camera-0", 3, 0.9, 1, new double[] {0.9}, 1,
                NOW - latencyMs, 2, null);
        consumer.addRecord(new ConsumerRecord<>(PARTITION.topic(), 0, offset++, null, JsonCodec.predictions().encode(p)));
    }
}
