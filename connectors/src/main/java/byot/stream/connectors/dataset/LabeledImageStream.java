package byot.stream.connectors.dataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

/**
 * Reads a split one image at a time. {@link #next()} throws {@link UncheckedIOException} wrapping a
 * {@link DatasetFormatException} when the files end early; the stream owns its files until closed.
 */
public interface LabeledImageStream extends Iterator<LabeledImage>, AutoCloseable {
    ImageShape shape();

    int numClasses();

    /** Number of images the file headers announce. */
    int size();

    @Override
    void close() throws IOException;

    /** Reads the rest of the stream into one compact {@link LabeledImages}. */
    default LabeledImages readAll(String name) {
        int n = shape().pixelCount();
        byte[] pixels = new byte[Math.multiplyExact(size(), n)];
        byte[] labels = new byte[size()];
        int i = 0;
        while (hasNext()) {
            LabeledImage image = next();
            System.arraycopy(image.pixels(), 0, pixels, i * n, n);
            labels[i++] = (byte) image.label();
        }
        if (i != size()) {
            throw new IllegalStateException(name + ": readAll after " + (size() - i) + " images were already consumed");
        }
        return new LabeledImages(name, shape(), numClasses(), pixels, labels);
    }
}
