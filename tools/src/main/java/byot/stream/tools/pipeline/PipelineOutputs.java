package byot.stream.tools.pipeline;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.MalformedRecordException;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.jobs.adapt.JobSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * What a local run's pipeline commits to its predictions, metrics, dead-letter and models topics, read on a thread
 * of its own ({@link CommittedConsumer}, from where the topics ended when this was opened) and kept in memory for
 * progress lines and reports. Model updates are only counted: each is megabytes, and a reader that wants them
 * checks signatures ({@code LatestModelReader}).
 */
public final class PipelineOutputs implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final JobSettings.Topics topics;
    private final List<Prediction> predictions = new ArrayList<>();
    private final List<MetricsWindow> windows = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private long models;
    private long undecodable;
    private String firstUndecodable;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    PipelineOutputs(KafkaClientProperties client, JobSettings.Topics topics) {
        this.topics = topics;
        this.consumer = CommittedConsumer.fromEnd(client,
                List.of(topics.predictions(), topics.metrics(), topics.deadLetter(), topics.models()));
        this.thread = new Thread(this::poll, "byot-pipeline-outputs");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        JsonCodec<Prediction> predictionCodec = JsonCodec.predictions();
        JsonCodec<MetricsWindow> windowCodec = JsonCodec.metricsWindows();
        JsonCodec<DeadLetter> deadLetterCodec = JsonCodec.deadLetters();
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        take(r, predictionCodec, windowCodec, deadLetterCodec);
                    } catch (MalformedRecordException e) {
                        // Another writer on a shared broker, or a damaged record: skipped and counted, as the job
                        // does with its input, rather than ending the run's view of its own outputs.
                        synchronized (this) {
                            undecodable++;
                            if (firstUndecodable == null) {
                                String reason = String.valueOf(e.getMessage());
                                firstUndecodable = r.topic() + "-" + r.partition() + "@" + r.offset() + ": "
                                        + (reason.length() > 200 ? reason.substring(0, 200) + "..." : reason);
                            }
                        }
                    }
                }
            }
        } catch (Exception | Error e) {
            failure = new IllegalStateException("reading the pipeline's output failed: " + e, e);
        }
    }

    private void take(ConsumerRecord<byte[], byte[]> r, JsonCodec<Prediction> predictionCodec, JsonCodec<MetricsWindow> windowCodec,
                      JsonCodec<DeadLetter> deadLetterCodec) throws MalformedRecordException {
        String topic = r.topic();
        if (topic.equals(topics.predictions())) {
            Prediction p = predictionCodec.decode(r.value());
            synchronized (this) {
                predictions.add(p);
            }
        } else if (topic.equals(topics.metrics())) {
            MetricsWindow w = windowCodec.decode(r.value());
            synchronized (this) {
                windows.add(w);
            }
        } else if (topic.equals(topics.deadLetter())) {
            DeadLetter d = deadLetterCodec.decode(r.value());
            synchronized (this) {
                deadLetters.add(d);
            }
        } else {
            synchronized (this) {
                models++;
            }
        }
    }

    /** Records on the prediction, metrics and dead-letter topics that did not decode, and where the first one was. */
    public synchronized String undecodable() {
        return undecodable == 0 ? "" : undecodable + " records did not decode and were skipped, first " + firstUndecodable;
    }

    /** Every committed prediction so far, in the order read (per partition: the order written). */
    public synchronized List<Prediction> predictions() {
        check();
        return List.copyOf(predictions);
    }

    public synchronized int predictionCount() {
        check();
        return predictions.size();
    }

    public synchronized List<MetricsWindow> windows() {
        check();
        return List.copyOf(windows);
    }

    public synchronized List<DeadLetter> deadLetters() {
        check();
        return List.copyOf(deadLetters);
    }

    /** Model versions published so far. */
    public synchronized long models() {
        check();
        return models;
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
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
    }
}
