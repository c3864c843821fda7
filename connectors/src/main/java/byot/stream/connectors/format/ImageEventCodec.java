package byot.stream.connectors.format;

import byot.stream.connectors.dataset.ImageShape;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Binary form of {@link ImageEvent} (layout in docs/formats.md): magic {@code 0xB1}, format version, fixed header,
 * two length-prefixed UTF-8 strings, then the pixels. About 820 bytes for a Fashion-MNIST image. Serializable so
 * Flink schemas can carry it; it holds only its limits.
 */
public final class ImageEventCodec implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int MAGIC = 0xB1;
    public static final int VERSION = 1;
    /** Bytes before the id: magic, version, event time, label, height, width, channels, encoding. */
    public static final int FIXED_HEADER_BYTES = 20;

    private final ImageLimits limits;

    public ImageEventCodec(ImageLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public ImageLimits limits() {
        return limits;
    }

    /** Kafka key: the source id, so one device's images stay in order on one partition. */
    public static byte[] key(ImageEvent event) {
        return event.sourceId().getBytes(StandardCharsets.UTF_8);
    }

    /** Encodes; fails with {@link IllegalArgumentException} when the event breaks this codec's own limits. */
    public byte[] encode(ImageEvent event) {
        byte[] id = event.id().getBytes(StandardCharsets.UTF_8);
        byte[] source = event.sourceId().getBytes(StandardCharsets.UTF_8);
        checkEncodable(event, id, source);
        ByteBuffer buf = ByteBuffer.allocate(FIXED_HEADER_BYTES + 2 + id.length + 2 + source.length + 4
                + event.pixels().length);
        buf.put((byte) MAGIC).put((byte) VERSION)
                .putLong(event.eventTimeMillis())
                .putInt(event.label())
                .putShort((short) event.height())
                .putShort((short) event.width())
                .put((byte) event.channels())
                .put((byte) event.encoding().code())
                .putShort((short) id.length).put(id)
                .putShort((short) source.length).put(source)
                .putInt(event.pixels().length).put(event.pixels());
        return buf.array();
    }

    private void checkEncodable(ImageEvent event, byte[] id, byte[] source) {
        if (id.length == 0 || id.length > limits.maxStringBytes() || source.length > limits.maxStringBytes()) {
            throw new IllegalArgumentException("id and sourceId must be 1.." + limits.maxStringBytes()
                    + " UTF-8 bytes (sourceId may be empty): id " + id.length + ", sourceId " + source.length);
        }
        if (event.height() > limits.maxDim() || event.width() > limits.maxDim() || event.channels() > limits.maxChannels()
                || event.pixels().length > limits.maxPixelBytes()) {
            throw new IllegalArgumentException("image " + event.id() + " exceeds the limits " + limits);
        }
    }

    /** Decodes and validates every field; never returns a partially checked event. */
    public ImageEvent decode(byte[] bytes) throws MalformedRecordException {
        if (bytes == null || bytes.length == 0) {
            throw new MalformedRecordException(Reason.EMPTY, "image event has no bytes");
        }
        WireReader in = new WireReader(bytes, "image event");
        int magic = in.u8("magic");
        if (magic != MAGIC) {
            throw new MalformedRecordException(Reason.BAD_MAGIC,
                    String.format("first byte 0x%02x, expected 0x%02x (image event)", magic, MAGIC));
        }
        int version = in.u8("version");
        if (version != VERSION) {
            throw new MalformedRecordException(Reason.UNSUPPORTED_VERSION,
                    "image event format version " + version + ", this reader knows " + VERSION);
        }
        long eventTime = in.i64("event time");
        int label = in.i32("label");
        int height = in.u16("height");
        int width = in.u16("width");
        int channels = in.u8("channels");
        int encodingCode = in.u8("encoding");
        checkLabel(label);
        checkShape(height, width, channels);
        PixelEncoding encoding = PixelEncoding.fromCode(encodingCode).orElseThrow(() ->
                new MalformedRecordException(Reason.UNKNOWN_ENCODING, "pixel encoding code " + encodingCode));
        String id = in.string("id", limits.maxStringBytes(), false);
        String sourceId = in.string("sourceId", limits.maxStringBytes(), true);
        int pixelLength = in.i32("pixel length");
        if (pixelLength < 0 || pixelLength > limits.maxPixelBytes()) {
            throw new MalformedRecordException(Reason.OVERSIZED,
                    "pixel length " + pixelLength + ", cap " + limits.maxPixelBytes());
        }
        int expected = height * width * channels;   // fits an int: checkShape capped it at maxPixelBytes
        if (encoding == PixelEncoding.RAW_UINT8 && pixelLength != expected) {
            throw new MalformedRecordException(Reason.PIXEL_COUNT_MISMATCH, pixelLength + " pixel bytes for "
                    + channels + "x" + height + "x" + width + " (" + expected + ")");
        }
        byte[] pixels = in.bytes(pixelLength, "pixels");
        in.expectEnd();
        return new ImageEvent(id, eventTime, sourceId, label, height, width, channels, encoding, pixels);
    }

    private void checkLabel(int label) throws MalformedRecordException {
        if (label < ImageEvent.UNLABELED || (limits.numClasses() > 0 && label >= limits.numClasses())) {
            throw new MalformedRecordException(Reason.LABEL_OUT_OF_RANGE, "label " + label + " (allowed -1"
                    + (limits.numClasses() > 0 ? ".." + (limits.numClasses() - 1) : " or >= 0") + ")");
        }
    }

    private void checkShape(int height, int width, int channels) throws MalformedRecordException {
        if (height == 0 || width == 0 || channels == 0) {
            throw new MalformedRecordException(Reason.BAD_SHAPE,
                    "zero dimension in " + channels + "x" + height + "x" + width);
        }
        if (height > limits.maxDim() || width > limits.maxDim() || channels > limits.maxChannels()
                || (long) height * width * channels > limits.maxPixelBytes()) {
            throw new MalformedRecordException(Reason.OVERSIZED, channels + "x" + height + "x" + width
                    + " exceeds caps (dim " + limits.maxDim() + ", channels " + limits.maxChannels() + ", pixel bytes "
                    + limits.maxPixelBytes() + ")");
        }
        ImageShape expected = limits.expectedShape();
        if (expected != null && (expected.channels() != channels || expected.height() != height
                || expected.width() != width)) {
            throw new MalformedRecordException(Reason.BAD_SHAPE,
                    channels + "x" + height + "x" + width + ", expected " + expected);
        }
    }
}
