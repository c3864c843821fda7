package byot.stream.model.io;

import java.io.IOException;

/** A model file or payload that cannot be trusted: truncated, tampered, or of an unknown format. */
public final class ModelFormatException extends IOException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
