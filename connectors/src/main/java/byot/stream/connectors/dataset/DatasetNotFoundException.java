package byot.stream.connectors.dataset;

import java.nio.file.NoSuchFileException;

/** A dataset that is not on this machine; the message says how to get it. */
public final class DatasetNotFoundException extends NoSuchFileException {
    public DatasetNotFoundException(String howToGetIt) {
        // NoSuchFileException(file, other, reason) prints only the reason when file and other are null.
        super(null, null, howToGetIt);
    }
}
