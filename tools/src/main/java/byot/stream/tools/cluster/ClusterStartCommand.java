package byot.stream.tools.cluster;

import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.tools.train.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code byot cluster start}: a standalone Flink cluster and a Kafka broker as separate processes, in the background. */
public final class ClusterStartCommand implements Command {

    @Override
    public String name() {
        return "cluster start";
    }

    @Override
    public String summary() {
        return "Start a standalone Flink cluster (1 JobManager + N TaskManagers, web UI) and a Kafka broker as processes";
    }

    @Override
    public Options options() {
        return new Options()
                .add("dir", "out/cluster", "Cluster directory: config, logs, checkpoints, cluster.json")
                .add("taskmanagers", "2", "TaskManager processes")
                .add("slots", "1", "Task slots per TaskManager")
                .add("rest-port", "0", "REST and web UI port on 127.0.0.1 (0: a free one)")
                .add("jobmanager-memory", "1024m", "jobmanager.memory.process.size")
                .add("taskmanager-memory", "1536m", "taskmanager.memory.process.size")
                .add("native-memory", "1g", "ND4J off-heap cap per process (JavaCPP maxbytes), outside Flink's accounting")
                .add("kafka", "true", "Also start a Kafka broker with the pipeline's topics (true or false)")
                .add("kafka-port", "0", "Broker port on 127.0.0.1 (0: a free one)")
                .add("partitions", "2", "Partitions of images, predictions and dead-letter")
                .add("lib", ClusterClasspath.DEFAULT_FILE, "Classpath file of the cluster's lib/ (written by the cluster-lib build)")
                .add("timeout-seconds", "180", "Longest to wait for the processes to come up");
    }

    @Override
    public int run(Parsed args) throws Exception {
        String kafka = args.get("kafka");
        if (!kafka.equals("true") && !kafka.equals("false")) {
            throw new UsageException("--kafka must be true or false, got " + kafka);
        }
        ClusterSpec spec = ClusterSpec.defaults(Path.of(args.get("dir")), ClusterClasspath.read(Path.of(args.get("lib"))),
                        System.getProperty("java.class.path"))
                .withTaskManagers(args.getInt("taskmanagers"), args.getInt("slots"))
                .withMemory(args.get("jobmanager-memory"), args.get("taskmanager-memory"), args.get("native-memory"))
                .withPorts(args.getInt("rest-port"), args.getInt("kafka-port"))
                .withKafka(Boolean.parseBoolean(kafka), args.getInt("partitions"));
        LocalCluster cluster = LocalCluster.start(spec, Duration.ofSeconds(args.getLong("timeout-seconds")),
                line -> System.err.println("byot cluster: " + line));
        ClusterState s = cluster.state();
        System.err.println("byot cluster: web UI " + s.restUrl() + ", logs in " + spec.dir().resolve("log")
                + "; submit with: byot submit --dir " + args.get("dir") + "; stop with: byot cluster stop --dir " + args.get("dir"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dir", s.dir());
        out.put("webUi", s.restUrl());
        out.put("bootstrapServers", s.bootstrapServers());
        out.put("jobManagerPid", s.jobManager().pid());
        out.put("taskManagerPids", s.taskManagers().stream().map(ClusterProcess::pid).toList());
        out.put("kafkaPid", s.kafka() == null ? null : s.kafka().pid());
        System.out.println(Json.line(out));
        return 0;
    }
}
