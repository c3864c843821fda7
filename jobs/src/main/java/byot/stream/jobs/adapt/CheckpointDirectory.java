package byot.stream.jobs.adapt;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Where checkpoints go. They hold the model, its replay buffer of recent input images and Kafka transaction ids, so a
 * local directory is created readable by its owner only; a remote file system (s3://, hdfs://) keeps its own access
 * control and is passed through untouched.
 *
 * @param uri   what Flink is given: a local path becomes an absolute {@code file:} URI
 * @param local the directory on this machine, if the storage is local
 */
public record CheckpointDirectory(String uri, Optional<Path> local) {

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    /** {@code dir} as given to {@code --checkpoint-dir}: a path, relative or absolute, or a URI. */
    public static CheckpointDirectory of(String dir) {
        URI given = dir.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*") ? URI.create(dir) : null;
        if (given != null && !"file".equalsIgnoreCase(given.getScheme())) {
            return new CheckpointDirectory(dir, Optional.empty());
        }
        Path path = (given != null ? Path.of(given) : Path.of(dir)).toAbsolutePath().normalize();
        // No trailing slash, whether or not the directory exists yet: job ids are appended to it.
        return new CheckpointDirectory(path.toUri().toString().replaceAll("/$", ""), Optional.of(path));
    }

    /**
     * Creates a missing local directory (and missing parents) with permissions 700. An existing directory is left as
     * it is: the returned warning says if other users can read it.
     */
    public Optional<String> ensurePrivate() throws IOException {
        if (local.isEmpty() || !FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return Optional.empty();
        }
        Path dir = local.get();
        if (!Files.exists(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            return Optional.empty();
        }
        Set<PosixFilePermission> actual = Files.getPosixFilePermissions(dir);
        if (actual.stream().anyMatch(p -> !OWNER_ONLY.contains(p))) {
            return Optional.of("checkpoint directory " + dir + " is accessible to other users ("
                    + PosixFilePermissions.toString(actual) + "); checkpoints hold the model and recent input images: chmod 700 it");
        }
        return Optional.empty();
    }
}
