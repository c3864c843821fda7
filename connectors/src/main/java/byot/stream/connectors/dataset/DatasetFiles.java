package byot.stream.connectors.dataset;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens a dataset file, gunzipping it when its first two bytes are the gzip magic, whatever its name says. */
final class DatasetFiles {
    private DatasetFiles() {}

    static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return raw;
    }

    /** Fills {@code buffer}; a short read is reported as a truncated file with what was being read. */
    static void readFully(InputStream in, byte[] buffer, Path file, String what) throws DatasetFormatException {
        int off = 0;
        try {
            while (off < buffer.length) {
                int n = in.read(buffer, off, buffer.length - off);
                if (n < 0) {
                    throw new EOFException();
                }
                off += n;
            }
        } catch (EOFException e) {
            throw new DatasetFormatException(file, "truncated: ended " + (buffer.length - off) + " bytes into " + what);
        } catch (IOException e) {
            // A corrupt gzip stream surfaces as ZipException; name the file instead of losing it in a stack trace.
            throw new DatasetFormatException(file, "unreadable while reading " + what + ": " + e.getMessage());
        }
    }
}
