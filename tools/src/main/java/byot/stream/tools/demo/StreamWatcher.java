package byot.stream.tools.demo;

import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.KafkaClientProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what the pipeline committed to the predictions and metrics topics (read_committed, from the
 * beginning) on its own thread, and keeps it for the live status line and the final report.
 */
final class StreamWatcher implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String predictionsTopic;
    private final List<Prediction> predictions = new ArrayList<>();
    private final List<MetricsWindow> windows = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    StreamWatcher(KafkaClientProperties client, String predictionsTopic, String metricsTopic) {
        this.predictionsTopic = predictionsTopic;
        this.consumer = new KafkaConsumer<>(client.toProperties(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Set<TopicPartition> partitions = Set.of(predictionsTopic, metricsTopic).stream()
                .flatMap(t -> consumer.partitionsFor(t).stream().map(p -> new TopicPartition(t, p.partition())))
                .collect(Collectors.toSet());
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = new Thread(this::poll, "byot-demo-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        JsonCodec<Prediction> predictionCodec = JsonCodec.predictions();
        JsonCodec<MetricsWindow> windowCodec = JsonCodec.metricsWindows();
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(predictionsTopic)) {
                        Prediction p = predictionCodec.decode(r.value());
                        synchronized (this) {
                            predictions.add(p);
                        }
                    } else {
                        MetricsWindow w = windowCodec.decode(r.value());
                        synchronized (this) {
                            windows.add(w);
                        }
                    }
                }
            }
        } catch (Exception e) {
            failure = new IllegalStateException("reading the pipeline's output failed: " + e.getMessage(), e);
        }
    }

    synchronized List<Prediction> predictions() {
        check();
        return List.copyOf(predictions);
    }

    synchronized int predictionCount() {
        check();
        return predictions.size();
    }

    synchronized List<MetricsWindow> windows() {
        check();
        return List.copyOf(windows);
    }

    private void check() {
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
        consumer.close(Duration.ofSeconds(2));
    }
}
