package byot.stream.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real Kafka 4.2 broker in this JVM: one node in KRaft combined mode (broker and controller), listening only on
 * 127.0.0.1, its data in a temporary directory deleted on {@link #close()}. Starts in a few seconds.
 * <pre>{@code
 * try (var kafka = EmbeddedKafkaBroker.start(BrokerConfig.defaults())) {
 *     TopicAdmin.createAll(kafka.bootstrapServers(), 4);
 * }
 * }</pre>
 * Kafka's own {@code KafkaClusterTestKit} is not used because it binds every interface.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    public static final String LOOPBACK = "127.0.0.1";
    private static final int NODE_ID = 1;

    private final Path dir;
    private final Map<String, String> serverProperties;
    private final Map<String, String> adminClientSettings;
    private final int port;
    private KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafkaBroker(Path dir, Map<String, String> serverProperties, Map<String, String> adminClientSettings,
            int port, KafkaRaftServer server) {
        this.dir = dir;
        this.serverProperties = serverProperties;
        this.adminClientSettings = adminClientSettings;
        this.port = port;
        this.server = server;
    }

    public static EmbeddedKafkaBroker start() throws IOException {
        return start(BrokerConfig.defaults());
    }

    /** Formats a fresh log directory with {@code StorageTool}, starts the server and waits until it answers. */
    public static EmbeddedKafkaBroker start(BrokerConfig config) throws IOException {
        Path dir = Files.createTempDirectory("byot-kafka-");
        try {
            int port = config.port() == 0 ? LoopbackPorts.free(LOOPBACK) : config.port();
            int controllerPort = LoopbackPorts.free(LOOPBACK);
            Map<String, String> props = serverProperties(config, dir, port, controllerPort);
            Path propsFile = dir.resolve("server.properties");
            writeProperties(props, propsFile);
            format(propsFile);
            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            Map<String, String> admin = config.security() == null ? Map.of() : config.security().adminClientSettings();
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, Map.copyOf(props), admin, port, server);
            broker.awaitReady();
            return broker;
        } catch (IOException | RuntimeException e) {
            deleteRecursively(dir);
            throw e;
        }
    }

    private static Map<String, String> serverProperties(BrokerConfig config, Path dir, int port, int controllerPort) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        if (config.security() == null) {
            p.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + port + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + port);
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("inter.broker.listener.name", "PLAINTEXT");
        } else {
            p.putAll(config.security().serverProperties(LOOPBACK, port, controllerPort));
        }
        p.put("log.dirs", dir.resolve("data").toString());
        // One node: every replicated internal topic must make do with one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", String.valueOf(config.partitionsPerInternalTopic()));
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", String.valueOf(config.partitionsPerInternalTopic()));
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("min.insync.replicas", "1");
        p.put("default.replication.factor", "1");
        // Consumers in tests and demos should get partitions at once, not after the 3 s production default.
        p.put("group.initial.rebalance.delay.ms", "0");
        p.putAll(config.overrides());
        return p;
    }

    private static void format(Path propsFile) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[] {"format", "--config", propsFile.toString(),
                    "--cluster-id", Uuid.randomUuid().toString()}, out);
        }
        if (rc != 0) {
            throw new IllegalStateException("kafka storage format failed (" + rc + "): " + log.toString(StandardCharsets.UTF_8));
        }
    }

    private void awaitReady() {
        Properties props = new Properties();
        props.putAll(adminClientSettings);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("embedded Kafka on " + bootstrapServers() + " did not answer within 30 s", e);
        }
    }

    private static void writeProperties(Map<String, String> props, Path file) throws IOException {
        Properties p = new Properties();
        p.putAll(props);
        try (Writer out = Files.newBufferedWriter(file)) {
            p.store(out, "written by EmbeddedKafkaBroker");
        }
    }

    public String bootstrapServers() {
        return LOOPBACK + ":" + port;
    }

    public int port() {
        return port;
    }

    /**
     * Client settings, besides {@code bootstrap.servers}, of a client that may do anything: none for a plaintext
     * broker, SASL_SSL as the super user for a secured one.
     */
    public Map<String, String> adminClientSettings() {
        return adminClientSettings;
    }

    /** The settings the broker runs with, {@code listeners} included. */
    public Map<String, String> serverProperties() {
        return serverProperties;
    }

    /**
     * Stops the broker as an operator would (controlled shutdown, data kept), waits {@code downtime}, then starts
     * it again on the same ports and log directory: for tests of clients that must ride out a broker restart.
     */
    public synchronized void restart(java.time.Duration downtime) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("broker on " + bootstrapServers() + " is closed");
        }
        server.shutdown();
        server.awaitShutdown();
        Thread.sleep(downtime.toMillis());
        server = new KafkaRaftServer(new KafkaConfig(serverProperties, false), Time.SYSTEM);
        server.startup();
        awaitReady();
    }

    /** Stops the broker and deletes its data. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            deleteRecursively(dir);
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete embedded Kafka data in " + root, e);
        }
    }
}
