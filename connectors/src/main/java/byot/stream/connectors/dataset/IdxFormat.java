package byot.stream.connectors.dataset;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.NoSuchElementException;

/**
 * The IDX files of MNIST and Fashion-MNIST, gzipped or not: an image file (magic {@code 0x00000803}, then count,
 * rows and columns as big-endian int32, then row-major uint8 pixels) paired with a label file (magic
 * {@code 0x00000801}, count, then one uint8 label per image).
 */
public final class IdxFormat {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;

    private IdxFormat() {}

    /** Opens a pair for streaming; headers are checked here, so a mismatched pair fails before the first image. */
    public static LabeledImageStream open(Path images, Path labels, int numClasses) throws IOException {
        InputStream imageIn = DatasetFiles.open(images);
        InputStream labelIn;
        try {
            labelIn = DatasetFiles.open(labels);
        } catch (IOException e) {
            imageIn.close();
            throw e;
        }
        try {
            int[] imageDims = header(imageIn, images, IMAGES_MAGIC, 3, "image");
            int[] labelDims = header(labelIn, labels, LABELS_MAGIC, 1, "label");
            if (imageDims[0] != labelDims[0]) {
                throw new DatasetFormatException(images, "holds " + imageDims[0] + " images but " + labels.getFileName()
                        + " holds " + labelDims[0] + " labels");
            }
            // Every image of a file is read into one array: a damaged count must not overflow its size.
            if ((long) imageDims[0] * imageDims[1] * imageDims[2] > Integer.MAX_VALUE - 8) {
                throw new DatasetFormatException(images, "header announces " + imageDims[0] + " images of " + imageDims[1]
                        + "x" + imageDims[2] + " pixels, more than one array holds: a damaged header");
            }
            return new IdxStream(images, labels, imageIn, labelIn, imageDims[0],
                    new ImageShape(1, imageDims[1], imageDims[2]), numClasses);
        } catch (IOException | RuntimeException e) {
            imageIn.close();
            labelIn.close();
            throw e;
        }
    }

    /** Reads a whole pair into memory. */
    public static LabeledImages load(Path images, Path labels, int numClasses, String name) throws IOException {
        try (LabeledImageStream stream = open(images, labels, numClasses)) {
            return stream.readAll(name);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static int[] header(InputStream in, Path file, int magic, int dims, String kind) throws IOException {
        byte[] head = new byte[4 + 4 * dims];
        DatasetFiles.readFully(in, head, file, "the IDX header");
        ByteBuffer buf = ByteBuffer.wrap(head);
        int actual = buf.getInt();
        if (actual != magic) {
            throw new DatasetFormatException(file, String.format(
                    "bad magic 0x%08x, expected 0x%08x for an IDX %s file", actual, magic, kind));
        }
        int[] out = new int[dims];
        for (int d = 0; d < dims; d++) {
            out[d] = buf.getInt();
            // dimension 0 (the count) may be 0; rows and columns may not.
            if (out[d] < (d == 0 ? 0 : 1)) {
                throw new DatasetFormatException(file, "bad dimension " + d + " in header: " + out[d]);
            }
        }
        return out;
    }

    private static final class IdxStream implements LabeledImageStream {
        private final Path images;
        private final Path labels;
        private final InputStream imageIn;
        private final DataInputStream labelIn;
        private final int size;
        private final ImageShape shape;
        private final int numClasses;
        private int next;

        IdxStream(Path images, Path labels, InputStream imageIn, InputStream labelIn, int size, ImageShape shape,
                int numClasses) {
            this.images = images;
            this.labels = labels;
            this.imageIn = imageIn;
            this.labelIn = new DataInputStream(labelIn);
            this.size = size;
            this.shape = shape;
            this.numClasses = numClasses;
        }

        @Override
        public ImageShape shape() {
            return shape;
        }

        @Override
        public int numClasses() {
            return numClasses;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public boolean hasNext() {
            return next < size;
        }

        @Override
        public LabeledImage next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            try {
                byte[] pixels = new byte[shape.pixelCount()];
                DatasetFiles.readFully(imageIn, pixels, images, "image " + next + " of " + size);
                byte[] label = new byte[1];
                DatasetFiles.readFully(labelIn, label, labels, "label " + next + " of " + size);
                int value = label[0] & 0xff;
                if (value >= numClasses) {
                    throw new DatasetFormatException(labels, "label " + value + " of image " + next
                            + " is not below " + numClasses + " classes");
                }
                return new LabeledImage(next++, shape, pixels, value);
            } catch (DatasetFormatException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            try (imageIn; labelIn) {
                next = size;
            }
        }
    }
}
