package byot.stream.connectors.format;

import java.util.Objects;

/**
 * One image on topic {@code images}; encoded by {@link ImageEventCodec}. Pixels are CHW, as the model consumes them.
 *
 * @param label the true class when known, {@link #UNLABELED} otherwise
 */
public record ImageEvent(String id, long eventTimeMillis, String sourceId, int label, int height, int width,
        int channels, PixelEncoding encoding, byte[] pixels) {

    public static final int UNLABELED = -1;

    public ImageEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sourceId, "sourceId");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(pixels, "pixels");
        if (label < UNLABELED) {
            throw new IllegalArgumentException("label must be >= -1 (unlabeled), got " + label);
        }
        if (height <= 0 || width <= 0 || channels <= 0) {
            throw new IllegalArgumentException("shape must be positive, got " + channels + "x" + height + "x" + width);
        }
        if (encoding == PixelEncoding.RAW_UINT8 && (long) height * width * channels != pixels.length) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes for " + channels + "x" + height + "x" + width);
        }
    }

    public boolean labeled() {
        return label != UNLABELED;
    }

    /** The same event with another label, e.g. {@link #UNLABELED} to hide it from the learner. */
    public ImageEvent withLabel(int newLabel) {
        return new ImageEvent(id, eventTimeMillis, sourceId, newLabel, height, width, channels, encoding, pixels);
    }
}
