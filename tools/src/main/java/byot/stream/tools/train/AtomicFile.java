package byot.stream.tools.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Files an experiment keeps across kills (cells, the results page and its twin): replaced whole, never cut short. */
final class AtomicFile {

    private AtomicFile() {
    }

    /** Writes {@code content} beside {@code file}, then moves it over it; no temporary file stays behind. */
    static void write(Path file, byte[] content) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
