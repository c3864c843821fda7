package byot.stream.tools.cluster;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.MemorySize;

/**
 * What {@link LocalCluster} starts: one JobManager, {@code taskManagers} TaskManagers and optionally a Kafka broker,
 * each a JVM of its own, everything under {@code dir}.
 *
 * @param jobManagerMemory  {@code jobmanager.memory.process.size}; the JobManager also runs the job's {@code main},
 *                          which builds the initial model with ND4J
 * @param taskManagerMemory {@code taskmanager.memory.process.size}
 * @param nativeMemory      JavaCPP's cap on ND4J's off-heap arrays per JVM, which Flink's memory model does not see
 * @param flinkClasspath    the cluster's lib/: Flink runtime, web UI, log4j, ND4J (cluster-lib/target/classpath.txt)
 * @param brokerClasspath   a classpath with {@code byot kafka} on it (this project's jobs module and its dependencies)
 * @param settings          further Flink settings written to config.yaml, e.g. a restart strategy or heartbeat timeouts
 */
public record ClusterSpec(Path dir, int taskManagers, int slotsPerTaskManager, int restPort,
                          String jobManagerMemory, String taskManagerMemory, String nativeMemory,
                          boolean kafka, int kafkaPort, int kafkaPartitions,
                          String flinkClasspath, String brokerClasspath, Map<String, String> settings) {

    public ClusterSpec {
        if (taskManagers < 1 || slotsPerTaskManager < 1) {
            throw new IllegalArgumentException("need at least one TaskManager with one slot, got "
                    + taskManagers + " x " + slotsPerTaskManager);
        }
        if (restPort < 0 || restPort > 0xffff || kafkaPort < 0 || kafkaPort > 0xffff) {
            throw new IllegalArgumentException("ports must be 0..65535 (0: a free one)");
        }
        if (kafkaPartitions < 1) {
            throw new IllegalArgumentException("kafka partitions must be positive, got " + kafkaPartitions);
        }
        for (String size : new String[] {jobManagerMemory, taskManagerMemory, nativeMemory}) {
            MemorySize.parse(size); // a typo should fail here, not in a child JVM's log
        }
        dir = dir.toAbsolutePath().normalize();
        settings = Map.copyOf(settings);
    }

    /** Two TaskManagers with one slot each, 1 GB JobManager, 1.5 GB TaskManagers, 1 GB ND4J off-heap, a broker. */
    public static ClusterSpec defaults(Path dir, String flinkClasspath, String brokerClasspath) {
        return new ClusterSpec(dir, 2, 1, 0, "1024m", "1536m", "1g", true, 0, 2, flinkClasspath, brokerClasspath, Map.of());
    }

    public ClusterSpec withTaskManagers(int n, int slots) {
        return new ClusterSpec(dir, n, slots, restPort, jobManagerMemory, taskManagerMemory, nativeMemory, kafka, kafkaPort,
                kafkaPartitions, flinkClasspath, brokerClasspath, settings);
    }

    public ClusterSpec withMemory(String jobManager, String taskManager, String nativeOffHeap) {
        return new ClusterSpec(dir, taskManagers, slotsPerTaskManager, restPort, jobManager, taskManager, nativeOffHeap, kafka,
                kafkaPort, kafkaPartitions, flinkClasspath, brokerClasspath, settings);
    }

    public ClusterSpec withPorts(int rest, int kafkaClient) {
        return new ClusterSpec(dir, taskManagers, slotsPerTaskManager, rest, jobManagerMemory, taskManagerMemory, nativeMemory,
                kafka, kafkaClient, kafkaPartitions, flinkClasspath, brokerClasspath, settings);
    }

    public ClusterSpec withKafka(boolean start, int partitions) {
        return new ClusterSpec(dir, taskManagers, slotsPerTaskManager, restPort, jobManagerMemory, taskManagerMemory,
                nativeMemory, start, kafkaPort, partitions, flinkClasspath, brokerClasspath, settings);
    }

    /** Adds Flink settings (they win over the generated ones), e.g. {@code restart-strategy.type: fixed-delay}. */
    public ClusterSpec withSettings(Map<String, String> more) {
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.putAll(more);
        return new ClusterSpec(dir, taskManagers, slotsPerTaskManager, restPort, jobManagerMemory, taskManagerMemory,
                nativeMemory, kafka, kafkaPort, kafkaPartitions, flinkClasspath, brokerClasspath, all);
    }
}
