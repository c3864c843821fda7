package byot.stream.connectors.dataset;

import java.util.Arrays;
import java.util.Objects;

/**
 * A whole split held in two flat arrays, so 60,000 Fashion-MNIST images cost 47 MB rather than 60,000 objects:
 * image {@code i} occupies {@code pixels[i * shape.pixelCount() ..]}, its label is {@code labels[i] & 0xff}.
 */
public record LabeledImages(String name, ImageShape shape, int numClasses, byte[] pixels, byte[] labels) {

    public LabeledImages {
        Objects.requireNonNull(name, "name");
        if (numClasses <= 0 || numClasses > 256) {
            throw new IllegalArgumentException("numClasses must be in 1..256, got " + numClasses);
        }
        if ((long) labels.length * shape.pixelCount() != pixels.length) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes do not hold "
                    + labels.length + " images of " + shape);
        }
        for (int i = 0; i < labels.length; i++) {
            if ((labels[i] & 0xff) >= numClasses) {
                throw new IllegalArgumentException(name + ": label " + (labels[i] & 0xff) + " of image " + i
                        + " is not below numClasses " + numClasses);
            }
        }
    }

    public int size() {
        return labels.length;
    }

    public int label(int i) {
        return labels[Objects.checkIndex(i, labels.length)] & 0xff;
    }

    /** A copy of image {@code i}'s pixels: callers may transform it without touching the split. */
    public byte[] pixels(int i) {
        int n = shape.pixelCount();
        int from = Objects.checkIndex(i, labels.length) * n;
        return Arrays.copyOfRange(pixels, from, from + n);
    }

    /** Copies image {@code i}'s pixels into {@code into} (of length {@code shape().pixelCount()}), allocating nothing. */
    public void copyPixels(int i, byte[] into) {
        int n = shape.pixelCount();
        if (into.length != n) {
            throw new IllegalArgumentException(into.length + " bytes cannot hold an image of " + n + " pixels");
        }
        System.arraycopy(pixels, Objects.checkIndex(i, labels.length) * n, into, 0, n);
    }

    public LabeledImage image(int i) {
        return new LabeledImage(i, shape, pixels(i), label(i));
    }

    /** How many images each class has, indexed by class. */
    public int[] classCounts() {
        int[] counts = new int[numClasses];
        for (byte label : labels) {
            counts[label & 0xff]++;
        }
        return counts;
    }
}
