package byot.stream.connectors.dataset;

import java.io.IOException;
import java.nio.file.Path;

/** A dataset file that is not what its format promises: bad magic, cut short, or disagreeing with its partner file. */
public final class DatasetFormatException extends IOException {
    public DatasetFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
