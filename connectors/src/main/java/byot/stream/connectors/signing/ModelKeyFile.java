package byot.stream.connectors.signing;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A model key by the path of its file. This, not the key, is what a Flink job graph carries: each TaskManager reads
 * the key from its own copy of the file when it first signs or verifies, so the secret stays out of the job graph,
 * checkpoints and the web UI. The file must therefore exist at this path on every TaskManager.
 */
public record ModelKeyFile(String path) implements Serializable {
    public ModelKeyFile {
        Objects.requireNonNull(path, "path");
        if (path.isBlank()) {
            throw new IllegalArgumentException("model key file path must not be blank");
        }
    }

    public ModelKey read() throws IOException {
        return ModelKey.read(Path.of(path));
    }
}
