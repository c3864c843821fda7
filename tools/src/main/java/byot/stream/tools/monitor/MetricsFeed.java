package byot.stream.tools.monitor;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.tools.monitor.MonitorState.FeedState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The consumer thread: reads the metrics and dead-letter topics (read_committed, so aborted windows never show)
 * into a {@link MonitorState}. It waits for the broker and the topics instead of failing, reports the
 * connection in the state, and resumes from where it was after a client error, so nothing is counted twice.
 */
final class MetricsFeed implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(300);
    private static final Duration LOOKUP = Duration.ofSeconds(3);
    private static final long HEALTH_CHECK_NANOS = Duration.ofSeconds(3).toNanos();
    private static final long RETRY_MILLIS = 1_000;

    /** @param fromBeginning read both topics from their first offset; otherwise only what arrives from now on */
    record Config(KafkaClientProperties client, String metricsTopic, String deadLetterTopic, boolean fromBeginning) {}

    private final Config config;
    private final MonitorState state;
    private final JsonCodec<MetricsWindow> windows = JsonCodec.metricsWindows();
    private final JsonCodec<DeadLetter> deadLetters = JsonCodec.deadLetters();
    /** Next offset of every partition read so far: a new consumer after an error resumes here. */
    private final Map<TopicPartition, Long> next = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    /** Counted down by close(): ends a pause at once, without interrupting the Kafka client mid-call. */
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    MetricsFeed(Config config, MonitorState state) {
        this.config = config;
        this.state = state;
        this.thread = new Thread(this::run, "byot-monitor-feed");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = newConsumer()) {
                consumer = c;
                if (!running) {
                    return; // close() ran before the consumer existed and could not wake it
                }
                consume(c);
            } catch (WakeupException e) {
                return;
            } catch (KafkaException e) {
                state.feed(FeedState.UNREACHABLE, "Kafka client error, reconnecting: " + e.getMessage());
                pause();
            }
        }
    }

    private void consume(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> assigned = List.of();
        long nextCheck = 0;
        while (running) {
            if (System.nanoTime() >= nextCheck) {
                nextCheck = System.nanoTime() + HEALTH_CHECK_NANOS;
                assigned = check(c, assigned);
            }
            if (assigned.isEmpty()) {
                pause();
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                accept(r);
                next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
            }
        }
    }

    /**
     * Looks the topics up (assigning partitions that are new), and asks the broker for end offsets, which fails
     * fast when it is down: a consumer that lost its broker otherwise just returns empty polls.
     */
    private List<TopicPartition> check(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> assigned) {
        try {
            List<TopicPartition> found = new ArrayList<>(partitions(c, config.metricsTopic()));
            if (found.isEmpty()) {
                state.feed(FeedState.WAITING, "topic " + config.metricsTopic() + " does not exist yet at " + config.client().bootstrapServers());
                return assigned;
            }
            List<TopicPartition> dead = partitions(c, config.deadLetterTopic());
            found.addAll(dead);
            if (!found.equals(assigned)) {
                c.assign(found);
                for (TopicPartition tp : found) {
                    Long resume = next.get(tp);
                    if (resume != null) {
                        c.seek(tp, resume);
                    } else if (config.fromBeginning()) {
                        c.seekToBeginning(List.of(tp));
                    } else {
                        c.seekToEnd(List.of(tp));
                    }
                }
            }
            c.endOffsets(found, LOOKUP);
            state.feed(FeedState.CONNECTED, dead.isEmpty()
                    ? "reading " + config.metricsTopic() + "; topic " + config.deadLetterTopic() + " does not exist yet"
                    : "reading " + config.metricsTopic() + " and " + config.deadLetterTopic());
            return found;
        } catch (TimeoutException e) {
            state.feed(FeedState.UNREACHABLE, "no answer from Kafka at " + config.client().bootstrapServers()
                    + " within " + LOOKUP.toSeconds() + " s");
            return assigned;
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c, String topic) {
        List<PartitionInfo> infos = c.partitionsFor(topic, LOOKUP);
        return infos == null ? List.of() : infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                .sorted((a, b) -> Integer.compare(a.partition(), b.partition())).toList();
    }

    private void accept(ConsumerRecord<byte[], byte[]> r) {
        try {
            if (r.topic().equals(config.metricsTopic())) {
                state.add(windows.decode(r.value()));
            } else {
                state.add(deadLetters.decode(r.value()));
            }
        } catch (MalformedRecordException e) {
            state.skipped(r.topic(), e.reason() + " at offset " + r.offset() + " of partition " + r.partition()
                    + ": " + e.getMessage());
        }
    }

    private KafkaConsumer<byte[], byte[]> newConsumer() {
        return new KafkaConsumer<>(config.client().toProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                // A monitor looks; it must never create the pipeline's topics with default settings.
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false",
                ConsumerConfig.CLIENT_ID_CONFIG, "byot-monitor")),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void pause() {
        try {
            closing.await(RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        closing.countDown();
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        thread.join(10_000);
    }
}
