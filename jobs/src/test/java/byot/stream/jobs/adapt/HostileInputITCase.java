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
            List<DeadLetter> dead = awaitDeadLetters(HOSTILE);

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

    private static List<DeadLetter> awaitDeadLetters(int expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(AdaptPipelineITCase.IT_WAIT).toNanos();
        while (true) {
            var records = KAFKA.drain("fuzz-dlq");
            if (records.size() >= expected || System.nanoTime() > deadline) {
                return decodeAll(records, JsonCodec.deadLetters());
            }
            Thread.sleep(500);
        }
    }
}
