package byot.stream.connectors.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.dataset.ImageShape;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ImageEventCodecTest {
    private final ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT.withNumClasses(10));

    static ImageEvent fashion(String id, String source, int label) {
        byte[] pixels = new byte[784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 13);
        }
        return new ImageEvent(id, 1_700_000_000_123L, source, label, 28, 28, 1, PixelEncoding.RAW_UINT8, pixels);
    }

    @Test
    void roundTripsALabelledImage() throws Exception {
        ImageEvent event = fashion("train-17-0", "camera-3", 7);
        byte[] bytes = codec.encode(event);
        assertThat(bytes).hasSize(ImageEventCodec.FIXED_HEADER_BYTES + 2 + 10 + 2 + 8 + 4 + 784);
        assertThat(bytes[0]).isEqualTo((byte) 0xB1);
        assertThat(bytes[1]).isEqualTo((byte) 1);
        assertSameEvent(codec.decode(bytes), event);
    }

    @Test
    void roundTripsUnlabelledUnicodeSourceAndEmptySource() throws Exception {
        ImageEvent unicode = fashion("id-ü", "kamera-Zürich-東京-📷", ImageEvent.UNLABELED);
        ImageEvent decoded = codec.decode(codec.encode(unicode));
        assertSameEvent(decoded, unicode);
        assertThat(decoded.labeled()).isFalse();
        assertThat(ImageEventCodec.key(unicode)).isEqualTo("kamera-Zürich-東京-📷".getBytes(StandardCharsets.UTF_8));
        assertSameEvent(codec.decode(codec.encode(fashion("x", "", 0))), fashion("x", "", 0));
    }

    @Test
    void roundTripsAnImageAtThePixelCap() throws Exception {
        ImageEventCodec small = new ImageEventCodec(ImageLimits.DEFAULT.withMaxPixelBytes(3 * 64 * 64));
        byte[] pixels = new byte[3 * 64 * 64];
        Arrays.fill(pixels, (byte) 0xff);
        ImageEvent max = new ImageEvent("m", 0, "s", 0, 64, 64, 3, PixelEncoding.RAW_UINT8, pixels);
        assertSameEvent(small.decode(small.encode(max)), max);

        ImageEvent over = new ImageEvent("m", 0, "s", 0, 64, 65, 3, PixelEncoding.RAW_UINT8, new byte[3 * 64 * 65]);
        assertThatThrownBy(() -> small.encode(over)).isInstanceOf(IllegalArgumentException.class);
        assertReason(() -> small.decode(new ImageEventCodec(ImageLimits.DEFAULT).encode(over)), Reason.OVERSIZED);
    }

    /** A job raising --max-pixel-bytes accepts larger images; re-encoding one for a dead letter must not refuse it. */
    @Test
    void theWireFormatsLimitsReEncodeWhatAWiderConsumerAccepted() throws Exception {
        ImageEventCodec wide = new ImageEventCodec(ImageLimits.DEFAULT.withMaxPixelBytes(4 << 20));
        byte[] pixels = new byte[1 * 1100 * 1000];
        Arrays.fill(pixels, (byte) 7);
        byte[] record = wide.encode(new ImageEvent("big", 0, "s", 1, 1100, 1000, 1, PixelEncoding.RAW_UINT8, pixels));
        ImageEvent accepted = wide.decode(record);

        assertThatThrownBy(() -> new ImageEventCodec(ImageLimits.DEFAULT).encode(accepted))
                .as("over the default 1 MiB of pixels").isInstanceOf(IllegalArgumentException.class);
        assertThat(new ImageEventCodec(ImageLimits.WIRE_FORMAT).encode(accepted)).isEqualTo(record);
    }

    @Test
    void rejectsEveryKindOfMalformedRecord() {
        byte[] good = codec.encode(fashion("a", "b", 3));
        assertReason(() -> codec.decode(new byte[0]), Reason.EMPTY);
        assertReason(() -> codec.decode(null), Reason.EMPTY);
        assertReason(() -> codec.decode(Arrays.copyOf(good, 1)), Reason.TRUNCATED);
        assertReason(() -> codec.decode(Arrays.copyOf(good, 15)), Reason.TRUNCATED);
        assertReason(() -> codec.decode(Arrays.copyOf(good, good.length - 1)), Reason.TRUNCATED);
        assertReason(() -> codec.decode("not an image".getBytes(StandardCharsets.UTF_8)), Reason.BAD_MAGIC);
        assertReason(() -> codec.decode(with(good, 1, (byte) 2)), Reason.UNSUPPORTED_VERSION);
        assertReason(() -> codec.decode(with(good, 19, (byte) 9)), Reason.UNKNOWN_ENCODING);
        assertReason(() -> codec.decode(with(good, 18, (byte) 0)), Reason.BAD_SHAPE);
        // channels 2: header promises 1568 pixel bytes, record carries 784
        assertReason(() -> codec.decode(with(good, 18, (byte) 2)), Reason.PIXEL_COUNT_MISMATCH);
        assertReason(() -> codec.decode(withInt(good, 10, 10)), Reason.LABEL_OUT_OF_RANGE);
        assertReason(() -> codec.decode(withInt(good, 10, -2)), Reason.LABEL_OUT_OF_RANGE);
        assertReason(() -> codec.decode(withShort(good, 14, 5000)), Reason.OVERSIZED);
        assertReason(() -> codec.decode(Arrays.copyOf(good, good.length + 3)), Reason.TRAILING_BYTES);
        // id length 0
        assertReason(() -> codec.decode(withShort(good, 20, 0)), Reason.BAD_STRING);
        // id "a" replaced by a lone continuation byte
        assertReason(() -> codec.decode(with(good, 22, (byte) 0x80)), Reason.BAD_STRING);
        // pixel length field (after 20 + 2+1 + 2+1) claims more than the cap
        assertReason(() -> codec.decode(withInt(good, 26, Integer.MAX_VALUE)), Reason.OVERSIZED);
    }

    @Test
    void expectedShapeTurnsOtherShapesIntoBadShape() throws Exception {
        ImageEventCodec strict = new ImageEventCodec(ImageLimits.DEFAULT.withExpectedShape(new ImageShape(1, 28, 28)));
        ImageEvent cifar = new ImageEvent("c", 0, "s", 1, 32, 32, 3, PixelEncoding.RAW_UINT8, new byte[3072]);
        assertReason(() -> strict.decode(codec.encode(cifar)), Reason.BAD_SHAPE);
        assertThat(strict.decode(codec.encode(fashion("f", "s", 1))).height()).isEqualTo(28);
    }

    private static void assertSameEvent(ImageEvent actual, ImageEvent expected) {
        assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
        assertThat(actual.pixels()).isEqualTo(expected.pixels());
    }

    static void assertReason(ThrowingCallable call, Reason reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MalformedRecordException.class,
                e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    private static byte[] with(byte[] bytes, int offset, byte value) {
        byte[] copy = bytes.clone();
        copy[offset] = value;
        return copy;
    }

    private static byte[] withShort(byte[] bytes, int offset, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).putShort(offset, (short) value);
        return copy;
    }

    private static byte[] withInt(byte[] bytes, int offset, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).putInt(offset, value);
        return copy;
    }
}
