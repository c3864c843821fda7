package byot.stream.connectors.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;

/**
 * The CIFAR binary version: fixed-size records, no header. CIFAR-10 records are 1 label byte + 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue, each 32x32 row-major, i.e. CHW); CIFAR-100 records carry a coarse and a fine
 * label byte before the same 3072 bytes. A split may span several files ({@code data_batch_1.bin} .. {@code _5}).
 */
public final class CifarFormat {
    public static final ImageShape SHAPE = new ImageShape(3, 32, 32);

    /** Which dataset, and for CIFAR-100 which of its two labels the images carry. */
    public enum Variant {
        CIFAR10(1, 0, 10),
        CIFAR100_FINE(2, 1, 100),
        CIFAR100_COARSE(2, 0, 20);

        final int labelBytes;
        final int labelOffset;
        final int numClasses;

        Variant(int labelBytes, int labelOffset, int numClasses) {
            this.labelBytes = labelBytes;
            this.labelOffset = labelOffset;
            this.numClasses = numClasses;
        }

        public int recordBytes() {
            return labelBytes + SHAPE.pixelCount();
        }

        public int numClasses() {
            return numClasses;
        }
    }

    private CifarFormat() {}

    /**
     * Opens the files in order. The image count comes from the file sizes, so gzipped files cannot be counted up
     * front: for those, {@link LabeledImageStream#size()} is found by one extra pass over the data.
     */
    public static LabeledImageStream open(List<Path> files, Variant variant) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no CIFAR files given");
        }
        int total = 0;
        for (Path file : files) {
            long bytes = isGzip(file) ? gunzippedLength(file) : Files.size(file);
            if (bytes % variant.recordBytes() != 0) {
                throw new DatasetFormatException(file, "truncated: " + bytes + " bytes is not a whole number of "
                        + variant.recordBytes() + "-byte " + variant + " records");
            }
            total = Math.addExact(total, Math.toIntExact(bytes / variant.recordBytes()));
        }
        return new CifarStream(List.copyOf(files), variant, total);
    }

    public static LabeledImages load(List<Path> files, Variant variant, String name) throws IOException {
        try (LabeledImageStream stream = open(files, variant)) {
            return stream.readAll(name);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static long gunzippedLength(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
            return in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static final class CifarStream implements LabeledImageStream {
        private final List<Path> files;
        private final Variant variant;
        private final int size;
        private final byte[] record;
        private int fileIndex = -1;
        private InputStream in;
        private int next;

        CifarStream(List<Path> files, Variant variant, int size) {
            this.files = files;
            this.variant = variant;
            this.size = size;
            this.record = new byte[variant.recordBytes()];
        }

        @Override
        public ImageShape shape() {
            return SHAPE;
        }

        @Override
        public int numClasses() {
            return variant.numClasses;
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
                int first = readRecord();
                Path file = files.get(fileIndex);
                if (first < 0) {
                    throw new DatasetFormatException(file, "ended before image " + next + " of " + size);
                }
                int label = record[variant.labelOffset] & 0xff;
                if (label >= variant.numClasses) {
                    throw new DatasetFormatException(file, "label " + label + " of image " + next
                            + " is not below " + variant.numClasses + " classes");
                }
                byte[] pixels = new byte[SHAPE.pixelCount()];
                System.arraycopy(record, variant.labelBytes, pixels, 0, pixels.length);
                return new LabeledImage(next++, SHAPE, pixels, label);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Reads one record, moving to the next file at a record boundary; returns -1 when all files are spent. */
        private int readRecord() throws IOException {
            while (true) {
                if (in == null) {
                    if (fileIndex + 1 >= files.size()) {
                        return -1;
                    }
                    in = DatasetFiles.open(files.get(++fileIndex));
                }
                int b = in.read();
                if (b >= 0) {
                    record[0] = (byte) b;
                    byte[] rest = new byte[record.length - 1];
                    DatasetFiles.readFully(in, rest, files.get(fileIndex), "image " + next);
                    System.arraycopy(rest, 0, record, 1, rest.length);
                    return b;
                }
                in.close();
                in = null;
            }
        }

        @Override
        public void close() throws IOException {
            next = size;
            if (in != null) {
                in.close();
                in = null;
            }
        }
    }
}
