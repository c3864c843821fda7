package byot.stream.jobs.adapt;

import static byot.stream.jobs.adapt.AdaptPipelineITCase.decodeAll;
import static byot.stream.jobs.adapt.PipelineTestKit.ids;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.JsonCodec;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.HostileImageRecords;
import byot.stream.jobs.SyntheticImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten thousand malformed image records mixed with valid ones through the running job, which may not restart
 * (restart strategy: none): every malformed record becomes a dead letter with a specific reason, every valid one
 * gets its prediction.
 */
class HostileInputITCase {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final int HOSTILE = 10_000;
    private static final int MALFORMED_KINDS = HostileImageRecords.FLIPPED_BIT; // kinds 0..7 never decode

    @Test
    void malformedRecordsBecomeDeadLettersAndTheRestIsAnswered(@TempDir Path dir) throws Exception {
        PipelineTestKit kit = new PipelineTestKit(KAFKA, "fuzz");
        kit.createTopics();
        List<ImageEvent> valid = SyntheticImages.events(400, 10, 0.5, false, 31, "ok-", System.currentTimeMillis());
        HostileImageRecords hostile = new HostileImageRecords(7);
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);

        JobClient job = kit.start(dir, 2, null, false);
        try {
            int nextValid = 0;
            try (var producer = KAFKA.producer()) {
                for (int i = 0; i < HOSTILE; i++) {
                    producer.send(new ProducerRecord<>(kit.topics().images(), hostile.next(i % MALFORMED_KINDS, "bad-" + i)));
                    if (i % 25 == 0 && nextValid < valid.size()) {
                        ImageEvent e = valid.get(nextValid++);
                        producer.send(new ProducerRecord<>(kit.topics().images(), ImageEventCodec.key(e), codec.encode(
                                new ImageEvent(e.id(), System.currentTimeMillis(), e.sourceId(), e.label(), e.height(), e.width(),
                                        e.channels(), e.encoding(), e.pixels()))));
                    }
                }
            }
            kit.send(valid.subList(nextValid, valid.size()));
            kit.awaitPredictions(ids(valid));
            List<DeadLetter> dead = awaitDeadLetters(kit.topics().deadLetter(), HOSTILE);

            assertThat(job.getJobStatus().get()).as("the job never failed (it has no restarts to hide behind)")
                    .isEqualTo(JobStatus.RUNNING);
            assertThat(kit.predictions().stream().map(Prediction::id).toList()).containsExactlyInAnyOrderElementsOf(ids(valid));
            assertThat(dead).hasSize(HOSTILE);
            assertThat(dead).allSatisfy(d -> {
                assertThat(d.reason()).as(d.detail()).isNotEqualTo(Reason.UNEXPECTED);
                assertThat(d.topic()).isEqualTo(kit.topics().images());
                assertThat(d.offset()).isNotNegative();
            });
            Map<Reason, Long> byReason = dead.stream().collect(Collectors.groupingBy(DeadLetter::reason, Collectors.counting()));
            assertThat(byReason.keySet()).contains(Reason.TRUNCATED, Reason.BAD_MAGIC, Reason.UNSUPPORTED_VERSION,
                    Reason.BAD_SHAPE, Reason.PIXEL_COUNT_MISMATCH, Reason.LABEL_OUT_OF_RANGE, Reason.OVERSIZED);
        } finally {
            job.cancel().get();
        }
    }

    /**
     * An undecodable record as large as the topic accepts once made a dead letter bigger than the dead-letter
     * producer's 1 MiB request limit: the source task failed on it and restarted on it forever, and nothing sent
     * after it was answered. Restarts are off here, so the job must stay up on its own.
     */
    @Test
    void undecodableRecordsAtTheTopicsSizeLimitAreDeadLetteredAndTheStreamGoesOn(@TempDir Path dir) throws Exception {
        PipelineTestKit kit = new PipelineTestKit(KAFKA, "huge");
        kit.createTopics();
        List<ImageEvent> valid = SyntheticImages.events(100, 10, 0.3, false, 41, "after-", System.currentTimeMillis());
        // 1,000,000 bytes, and the largest value a default topic (message.max.bytes 1,048,588) and producer take.
        byte[] million = new byte[1_000_000];
        byte[] atLimit = new byte[1_048_576 - 512];
        new java.util.Random(3).nextBytes(million);
        new java.util.Random(4).nextBytes(atLimit);
        million[0] = 'x';
        atLimit[0] = 'y';

        JobClient job = kit.start(dir, 1, null, false);
        try {
            try (var producer = KAFKA.producer()) {
                producer.send(new ProducerRecord<>(kit.topics().images(), million)).get();
                producer.send(new ProducerRecord<>(kit.topics().images(), atLimit)).get();
            }
            kit.send(valid);
            kit.awaitPredictions(ids(valid));
            List<DeadLetter> dead = awaitDeadLetters(kit.topics().deadLetter(), 2);

            assertThat(job.getJobStatus().get()).as("the job never failed (it has no restarts to hide behind)")
                    .isEqualTo(JobStatus.RUNNING);
            assertThat(kit.predictions().stream().map(Prediction::id).toList()).containsExactlyInAnyOrderElementsOf(ids(valid));
            assertThat(dead).hasSize(2);
            assertThat(dead).extracting(DeadLetter::originalLength).containsExactlyInAnyOrder((long) million.length,
                    (long) atLimit.length);
            assertThat(dead).allSatisfy(d -> {
                assertThat(d.reason()).isEqualTo(Reason.BAD_MAGIC);
                assertThat(d.complete()).isFalse();
                byte[] whole = d.originalLength() == million.length ? million : atLimit;
                assertThat(d.original()).isEqualTo(java.util.Arrays.copyOf(whole, DeadLetter.MAX_ORIGINAL_BYTES));
                assertThat(d.originalSha256()).isEqualTo(java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(whole)));
            });
        } finally {
            job.cancel().get();
        }
    }

    /**
     * Clocks at the limits: an event from the year 2100, one from 1970 with a Kafka timestamp of 1 ms, and one whose
     * Kafka timestamp sits just inside the broker's one-hour future limit with an event time beyond it. Before event times were
     * clamped around arrival, the first pushed the watermark ahead so that no later metrics window was ever emitted,
     * and the last made the predictions sink stamp a record the broker refused, failing the job.
     */
    @Test
    void eventTimesFarFromArrivalNeitherBlindTheMetricsNorFailTheSinks(@TempDir Path dir) throws Exception {
        PipelineTestKit kit = new PipelineTestKit(KAFKA, "clock");
        kit.createTopics(1); // one partition: its watermark is the job's, nothing averages a bad clock away
        long now = System.currentTimeMillis();
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        List<ImageEvent> odd = SyntheticImages.events(3, 10, 0.0, false, 51, "odd-", now);
        // The last: a Kafka timestamp the broker just accepts, and an event time beyond it.
        long[] eventTimes = {4_102_444_800_000L, 1L, now + 3_700_000L};
        Long[] kafkaTimes = {null, 1L, now + 3_580_000L};
        List<ImageEvent> later = SyntheticImages.events(120, 10, 0.3, false, 52, "later-", now);

        JobClient job = kit.start(dir, 1, null, false);
        try {
            try (var producer = KAFKA.producer()) {
                for (int i = 0; i < odd.size(); i++) {
                    ImageEvent e = odd.get(i);
                    ImageEvent skewed = new ImageEvent(e.id(), eventTimes[i], e.sourceId(), e.label(), e.height(), e.width(),
                            e.channels(), e.encoding(), e.pixels());
                    producer.send(new ProducerRecord<>(kit.topics().images(), null, kafkaTimes[i], ImageEventCodec.key(skewed),
                            codec.encode(skewed))).get();
                }
            }
            // Spread over a few seconds, so that several one-second metrics windows close behind them.
            for (int i = 0; i < later.size(); i += 20) {
                kit.send(later.subList(i, i + 20));
                Thread.sleep(700);
            }
            List<String> all = new java.util.ArrayList<>(ids(odd));
            all.addAll(ids(later));
            Map<String, Prediction> answered = kit.awaitPredictions(all);
            List<MetricsWindow> windows = awaitWindowsCounting(kit.topics().metrics(), later.size() / 2);

            assertThat(job.getJobStatus().get()).as("no sink refused a record (the job has no restarts)")
                    .isEqualTo(JobStatus.RUNNING);
            assertThat(answered.get("odd-0").eventTime()).as("the prediction keeps the camera's own time")
                    .isEqualTo(eventTimes[0]);
            assertThat(windows.stream().mapToLong(MetricsWindow::count).sum())
                    .as("metrics windows kept closing after the odd clocks").isGreaterThanOrEqualTo(later.size() / 2);
        } finally {
            job.cancel().get();
        }
    }

    private static List<MetricsWindow> awaitWindowsCounting(String topic, long atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            List<MetricsWindow> windows = decodeAll(KAFKA.drain(topic), JsonCodec.metricsWindows());
            if (windows.stream().mapToLong(MetricsWindow::count).sum() >= atLeast || System.nanoTime() > deadline) {
                return windows;
            }
            Thread.sleep(500);
        }
    }

    private static List<DeadLetter> awaitDeadLetters(String topic, int expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(AdaptPipelineITCase.IT_WAIT).toNanos();
        while (true) {
            var records = KAFKA.drain(topic);
            if (records.size() >= expected || System.nanoTime() > deadline) {
                return decodeAll(records, JsonCodec.deadLetters());
            }
            Thread.sleep(500);
        }
    }
}
