package byot.stream.connectors.dataset;

import java.io.Serializable;

/** Channels, height and width of one image; pixels are stored channel-major (CHW), one uint8 each. */
public record ImageShape(int channels, int height, int width) implements Serializable {
    public ImageShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape must be positive, got " + channels + "x" + height + "x" + width);
        }
    }

    public int pixelCount() {
        return Math.multiplyExact(channels, Math.multiplyExact(height, width));
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
