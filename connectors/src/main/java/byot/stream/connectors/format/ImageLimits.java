package byot.stream.connectors.format;

import byot.stream.connectors.dataset.ImageShape;
import java.io.Serializable;

/**
 * What {@link ImageEventCodec#decode} accepts. The caps bound memory per record before anything is allocated, so
 * a hostile length field cannot make a consumer allocate gigabytes.
 *
 * @param numClasses labels must be below it; 0 accepts any non-negative label
 * @param expectedShape when set, any other shape is {@code BAD_SHAPE}: a model has one input shape
 */
public record ImageLimits(int maxPixelBytes, int maxDim, int maxChannels, int maxStringBytes, int numClasses,
        ImageShape expectedShape) implements Serializable {

    public static final int DEFAULT_MAX_PIXEL_BYTES = 1 << 20;
    public static final ImageLimits DEFAULT = new ImageLimits(DEFAULT_MAX_PIXEL_BYTES, 4096, 16, 256, 0, null);
    /**
     * The widest events the wire format can carry: for re-encoding events that were already decoded under a
     * consumer's own limits (a dead letter's copy of the original), which may be wider than {@link #DEFAULT}'s.
     */
    public static final ImageLimits WIRE_FORMAT = new ImageLimits(Integer.MAX_VALUE, 0xffff, 0xff, 0xffff, 0, null);

    public ImageLimits {
        if (maxPixelBytes <= 0 || maxDim <= 0 || maxChannels <= 0 || maxStringBytes <= 0 || numClasses < 0) {
            throw new IllegalArgumentException("limits must be positive (numClasses >= 0): " + maxPixelBytes + ", "
                    + maxDim + ", " + maxChannels + ", " + maxStringBytes + ", " + numClasses);
        }
        if (maxDim > 0xffff || maxChannels > 0xff || maxStringBytes > 0xffff) {
            throw new IllegalArgumentException("caps beyond what the wire format can carry (dim 65535, channels 255, "
                    + "string 65535 bytes)");
        }
    }

    public ImageLimits withNumClasses(int classes) {
        return new ImageLimits(maxPixelBytes, maxDim, maxChannels, maxStringBytes, classes, expectedShape);
    }

    public ImageLimits withExpectedShape(ImageShape shape) {
        return new ImageLimits(maxPixelBytes, maxDim, maxChannels, maxStringBytes, numClasses, shape);
    }

    public ImageLimits withMaxPixelBytes(int bytes) {
        return new ImageLimits(bytes, maxDim, maxChannels, maxStringBytes, numClasses, expectedShape);
    }
}
