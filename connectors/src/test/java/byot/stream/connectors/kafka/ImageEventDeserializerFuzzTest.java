package byot.stream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.dataset.ImageShape;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.PixelEncoding;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
        SplittableRandom random = new SplittableRandom(42);
        Map<Reason, Integer> reasons = new EnumMap<>(Reason.class);
        int valid = 0;
        int decodedOk = 0;
        for (int i = 0; i < 12_000; i++) {
            boolean good = i % 6 == 0;
            byte[] bytes = good ? codec.encode(event(i, 3, 28, 28, 784)) : hostile(i, random);
            valid += good ? 1 : 0;
            List<Decoded> out = new ArrayList<>();
            deserializer.deserialize(new ConsumerRecord<>("images", 0, i, null, bytes), collector(out));
            assertThat(out).hasSize(1);
            Decoded d = out.get(0);
            if (good) {
                assertThat(d.isOk()).as("valid record %d", i).isTrue();
                decodedOk++;
            } else if (i % 9 != 8) {
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

    private byte[] hostile(int i, SplittableRandom random) {
        byte[] valid = codec.encode(event(i, 3, 28, 28, 784));
        return switch (i % 9) {
            case 0 -> randomBytes(random, random.nextInt(0, 2000));
            case 1 -> java.util.Arrays.copyOf(valid, random.nextInt(0, valid.length)); // truncated
            case 2 -> { byte[] b = valid.clone(); b[0] = (byte) random.nextInt(256); if (b[0] == (byte) 0xB1) b[0] = 0; yield b; }
            case 3 -> { byte[] b = valid.clone(); b[1] = 9; yield b; }                                       // unknown version
            case 4 -> codec.encode(event(i, 3, 8, 8, 64));                                                   // wrong shape
            case 5 -> withDims(valid, 60_000, 60_000);                                                       // huge dims
            case 6 -> withPixelLength(valid, 700);                                                           // count mismatch
            case 7 -> codec.encode(event(i, 10 + random.nextInt(1000), 28, 28, 784));                       // label out of range
            default -> { byte[] b = valid.clone(); int at = random.nextInt(b.length); b[at] ^= (byte) (1 << random.nextInt(8)); yield b; }
        };
    }

    private static ImageEvent event(int i, int label, int h, int w, int pixels) {
        return new ImageEvent("id-" + i, 1_000L + i, "camera-" + (i % 3), label, h, w, 1, PixelEncoding.RAW_UINT8, new byte[pixels]);
    }

    /** Rewrites the u16 height and width at offsets 14 and 16 of the wire format. */
    private static byte[] withDims(byte[] valid, int h, int w) {
        byte[] b = valid.clone();
        ByteBuffer.wrap(b).putShort(14, (short) h).putShort(16, (short) w);
        return b;
    }

    /** Rewrites the i32 pixel length that precedes the last 784 bytes. */
    private static byte[] withPixelLength(byte[] valid, int length) {
        byte[] b = valid.clone();
        ByteBuffer.wrap(b).putInt(b.length - 784 - 4, length);
        return b;
    }

    private static byte[] randomBytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
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
