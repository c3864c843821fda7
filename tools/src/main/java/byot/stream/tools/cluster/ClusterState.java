package byot.stream.tools.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code <dir>/cluster.json}: what {@code byot cluster status|stop} and {@code byot submit} need to find a running
 * cluster: its PIDs, REST URL and Kafka bootstrap servers.
 *
 * @param kafka            null when the cluster runs without a broker
 * @param bootstrapServers null when the cluster runs without a broker
 */
public record ClusterState(String dir, String restUrl, String bootstrapServers, int slotsPerTaskManager,
                           ClusterProcess jobManager, List<ClusterProcess> taskManagers, ClusterProcess kafka) {
    public static final String FILE = "cluster.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ClusterState {
        taskManagers = List.copyOf(taskManagers);
    }

    public static Optional<ClusterState> read(Path dir) throws IOException {
        try {
            return Optional.of(JSON.readValue(Files.readString(dir.resolve(FILE)), ClusterState.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(dir.resolve(FILE) + " is not a cluster description: " + e.getOriginalMessage(), e);
        }
    }

    /** Written atomically: a concurrent {@code status} never reads half a file. */
    public void write() throws IOException {
        Path file = Path.of(dir).resolve(FILE);
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(this));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Every process, TaskManagers first: they are stopped before the JobManager, the broker last. */
    public List<ClusterProcess> processes() {
        List<ClusterProcess> all = new ArrayList<>(taskManagers);
        all.add(jobManager);
        if (kafka != null) {
            all.add(kafka);
        }
        return all;
    }

    public ClusterState withTaskManagers(List<ClusterProcess> tms) {
        return new ClusterState(dir, restUrl, bootstrapServers, slotsPerTaskManager, jobManager, tms, kafka);
    }
}
