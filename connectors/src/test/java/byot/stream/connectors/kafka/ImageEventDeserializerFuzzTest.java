package byot.stream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.dataset.ImageShape;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.PixelEncoding;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * 12k hostile records (random bytes, truncations, bit flips, absurd dimensions, wrong pixel counts, labels out of
 * range) mixed with valid ones: every valid one decodes, every bad one becomes a dead letter with a specific
 * reason, and nothing throws.
 */
class ImageEventDeserializerFuzzTest {

    private static final ImageLimits LIMITS = ImageLimits.DEFAULT.withNumClasses(10).withExpectedShape(new ImageShape(1, 28, 28));
    private final ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
    private final ImageEventDeserializer deserializer = new ImageEventDeserializer(LIMITS);

    @Test
    void malformedRecordsBecomeDeadLettersWithReasonsAndValidOnesPass() {
        HostileImageRecords hostile = new HostileImageRecords(42);
        Map<Reason, Integer> reasons = new EnumMap<>(Reason.class);
        int valid = 0;
        int decodedOk = 0;
        for (int i = 0; i < 12_000; i++) {
            boolean good = i % 6 == 0;
            byte[] bytes = good ? codec.encode(event(i, 3, 28, 28, 784)) : hostile.next(i % HostileImageRecords.KINDS, "id-" + i);
            valid += good ? 1 : 0;
            List<Decoded> out = new ArrayList<>();
            deserializer.deserialize(new ConsumerRecord<>("images", 0, i, null, bytes), collector(out));
            assertThat(out).hasSize(1);
            Decoded d = out.get(0);
            if (good) {
                assertThat(d.isOk()).as("valid record %d", i).isTrue();
                decodedOk++;
            } else if (i % HostileImageRecords.KINDS != HostileImageRecords.FLIPPED_BIT) {
                assertThat(d.isOk()).as("hostile record %d (kind %d) was accepted", i, i % 9).isFalse();
                assertThat(d.deadLetter().offset()).isEqualTo(i);
                assertThat(d.deadLetter().reason()).as("record %d: %s", i, d.deadLetter().detail()).isNotEqualTo(Reason.UNEXPECTED);
                reasons.merge(d.deadLetter().reason(), 1, Integer::sum);
            } else if (!d.isOk()) {
                assertThat(d.deadLetter().offset()).isEqualTo(i);
                assertThat(d.deadLetter().reason()).as("record %d: %s", i, d.deadLetter().detail()).isNotEqualTo(Reason.UNEXPECTED);
                reasons.merge(d.deadLetter().reason(), 1, Integer::sum);
            } else {
                // A flipped pixel bit leaves a valid record; it must then really be one.
                assertThat(d.event().height() * d.event().width() * d.event().channels()).isEqualTo(d.event().pixels().length);
            }
        }
        assertThat(decodedOk).isEqualTo(valid);
        assertThat(reasons.values().stream().mapToInt(Integer::intValue).sum()).isGreaterThan(8_000);
        assertThat(reasons.keySet()).contains(Reason.TRUNCATED, Reason.BAD_MAGIC, Reason.BAD_SHAPE, Reason.PIXEL_COUNT_MISMATCH,
                Reason.LABEL_OUT_OF_RANGE, Reason.OVERSIZED, Reason.EMPTY, Reason.UNSUPPORTED_VERSION);
    }

    private static ImageEvent event(int i, int label, int h, int w, int pixels) {
        return new ImageEvent("id-" + i, 1_000L + i, "camera-" + (i % 3), label, h, w, 1, PixelEncoding.RAW_UINT8, new byte[pixels]);
    }

    private static Collector<Decoded> collector(List<Decoded> out) {
        return new Collector<>() {
            @Override
            public void collect(Decoded record) {
                out.add(record);
            }

            @Override
            public void close() {
            }
        };
    }
}
