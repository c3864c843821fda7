package byot.stream.connectors.dataset;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX and CIFAR files whose pixel values encode their position, so content checks are exact. */
final class DatasetFixtures {
    private DatasetFixtures() {}

    static byte pixel(int image, int offset) {
        return (byte) (image * 31 + offset * 7);
    }

    static byte[] images(int count, int pixelsPerImage) {
        byte[] out = new byte[count * pixelsPerImage];
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < pixelsPerImage; p++) {
                out[i * pixelsPerImage + p] = pixel(i, p);
            }
        }
        return out;
    }

    static byte[] idxImages(int magic, int count, int rows, int cols) {
        ByteBuffer buf = ByteBuffer.allocate(16 + count * rows * cols);
        buf.putInt(magic).putInt(count).putInt(rows).putInt(cols).put(images(count, rows * cols));
        return buf.array();
    }

    static byte[] idxLabels(int magic, int count, int numClasses) {
        ByteBuffer buf = ByteBuffer.allocate(8 + count);
        buf.putInt(magic).putInt(count);
        for (int i = 0; i < count; i++) {
            buf.put((byte) (i % numClasses));
        }
        return buf.array();
    }

    static byte[] cifarRecords(int count, int labelBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] pixels = images(count, 3072);
        for (int i = 0; i < count; i++) {
            if (labelBytes == 2) {
                out.write(i % 20);     // coarse
            }
            out.write(i % 10);         // CIFAR-10 label or CIFAR-100 fine label
            out.write(pixels, i * 3072, 3072);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] content, boolean gzip) throws IOException {
        if (!gzip) {
            return Files.write(file, content);
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
        return file;
    }
}
