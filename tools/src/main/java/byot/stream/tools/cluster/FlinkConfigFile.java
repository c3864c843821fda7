package byot.stream.tools.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.BlobServerOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ClusterOptions;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.NettyShuffleEnvironmentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;

/**
 * The cluster's {@code conf/}: a Flink 2.x {@code config.yaml} that binds everything to 127.0.0.1 and keeps every
 * file under the cluster directory, and the {@code log4j.properties} each process logs with (to {@code log.file},
 * which the web UI serves).
 */
public final class FlinkConfigFile {
    public static final String LOOPBACK = "127.0.0.1";

    /**
     * The {@code env.java.opts.all} of Flink 2.2's distribution config.yaml: on Java 17 Flink's serializers and RPC
     * reflect into these JDK packages.
     */
    static final String JAVA_17_OPTS = String.join(" ",
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    /**
     * G1 aims at 200 ms pauses by default and grows the young generation to match: on 2 cores its young
     * collections took 126-167 ms, and each one held up every event in flight (p99 at half load 184 ms). A
     * 20 ms goal keeps the young generation small (pauses 20-37 ms, p99 66-73 ms) for a few percent of
     * throughput. See docs/benchmarks.md#pipeline.
     */
    public static final String LOW_PAUSE_GC = "-XX:MaxGCPauseMillis=20";

    /** ND4J and its native bindings come from the cluster's classpath, never from a job jar (one native load per JVM). */
    static final String ND4J_PARENT_FIRST = "org.nd4j.;org.deeplearning4j.;org.bytedeco.";

    private FlinkConfigFile() {
    }

    /** The settings of a cluster whose JobManager RPC and REST ports are already chosen. */
    public static Map<String, String> settings(ClusterSpec spec, int restPort, int rpcPort) {
        Path dir = spec.dir();
        Map<String, String> c = new LinkedHashMap<>();
        c.put(JobManagerOptions.ADDRESS.key(), LOOPBACK);
        c.put(JobManagerOptions.BIND_HOST.key(), LOOPBACK);
        c.put(JobManagerOptions.PORT.key(), String.valueOf(rpcPort));
        c.put(JobManagerOptions.TOTAL_PROCESS_MEMORY.key(), spec.jobManagerMemory());
        c.put(JobManagerOptions.EXECUTION_FAILOVER_STRATEGY.key(), "region");
        c.put(RestOptions.ADDRESS.key(), LOOPBACK);
        c.put(RestOptions.BIND_ADDRESS.key(), LOOPBACK);
        c.put(RestOptions.PORT.key(), String.valueOf(restPort));
        c.put(TaskManagerOptions.HOST.key(), LOOPBACK);
        c.put(TaskManagerOptions.BIND_HOST.key(), LOOPBACK);
        c.put(TaskManagerOptions.NUM_TASK_SLOTS.key(), String.valueOf(spec.slotsPerTaskManager()));
        c.put(TaskManagerOptions.TOTAL_PROCESS_MEMORY.key(), spec.taskManagerMemory());
        // State lives on the heap (hashmap backend); Flink's default 40% managed memory would only be reserved.
        c.put(TaskManagerOptions.MANAGED_MEMORY_FRACTION.key(), "0.05");
        // 0: any free port. The TaskManagers learn these from the JobManager.
        c.put(TaskManagerOptions.RPC_PORT.key(), "0");
        c.put(NettyShuffleEnvironmentOptions.DATA_PORT.key(), "0");
        c.put(BlobServerOptions.PORT.key(), "0");
        c.put(MetricOptions.QUERY_SERVICE_PORT.key(), "0");
        c.put(CoreOptions.DEFAULT_PARALLELISM.key(), "1");
        c.put(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL.key(), ND4J_PARENT_FIRST);
        c.put(CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(), dir.resolve("checkpoints").toUri().toString());
        c.put(CheckpointingOptions.SAVEPOINT_DIRECTORY.key(), dir.resolve("savepoints").toUri().toString());
        c.put(CoreOptions.TMP_DIRS.key(), dir.resolve("tmp").toString());
        c.put(WebOptions.TMP_DIR.key(), dir.resolve("web").toString());
        c.put(WebOptions.UPLOAD_DIR.key(), dir.resolve("web").resolve("upload").toString());
        c.put(BlobServerOptions.STORAGE_DIRECTORY.key(), dir.resolve("blobs").toString());
        c.put(ClusterOptions.PROCESS_WORKING_DIR_BASE.key(), dir.resolve("work").toString());
        c.put(CoreOptions.FLINK_LOG_DIR.key(), dir.resolve("log").toString());
        c.put(CoreOptions.FLINK_JVM_OPTIONS.key(), JAVA_17_OPTS);
        c.put(CoreOptions.FLINK_JM_JVM_OPTIONS.key(), nativeMemoryOpts(spec.nativeMemory(), spec.jobManagerMemory()));
        c.put(CoreOptions.FLINK_TM_JVM_OPTIONS.key(), nativeMemoryOpts(spec.nativeMemory(), spec.taskManagerMemory()) + " " + LOW_PAUSE_GC);
        c.putAll(spec.settings());
        return c;
    }

    /**
     * JavaCPP counts ND4J's arrays against {@code maxbytes} and the whole resident set against {@code maxphysicalbytes};
     * the latter must leave room for everything Flink sizes (the process size) plus the arrays.
     */
    static String nativeMemoryOpts(String nativeMemory, String processSize) {
        MemorySize arrays = MemorySize.parse(nativeMemory);
        MemorySize physical = MemorySize.parse(processSize).add(arrays).add(MemorySize.ofMebiBytes(512));
        return "-Dorg.bytedeco.javacpp.maxbytes=" + arrays.getBytes()
                + " -Dorg.bytedeco.javacpp.maxphysicalbytes=" + physical.getBytes();
    }

    /** Writes {@code conf/config.yaml} and {@code conf/log4j.properties}; returns the conf directory. */
    public static Path write(Path confDir, Map<String, String> settings) throws IOException {
        Files.createDirectories(confDir);
        StringBuilder yaml = new StringBuilder("# Written by byot cluster start; flat keys are valid Flink 2.x YAML.\n");
        settings.forEach((k, v) -> yaml.append(k).append(": ").append(quote(v)).append('\n'));
        Files.writeString(confDir.resolve("config.yaml"), yaml);
        Files.writeString(confDir.resolve("log4j.properties"), LOG4J);
        return confDir;
    }

    private static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static final String LOG4J = """
            # Each process logs to its own file (-Dlog.file), as Flink's daemons do; the web UI serves these files.
            monitorInterval = 30
            rootLogger.level = INFO
            rootLogger.appenderRef.file.ref = MainAppender
            appender.main.name = MainAppender
            appender.main.type = File
            appender.main.append = true
            appender.main.fileName = ${sys:log.file}
            appender.main.layout.type = PatternLayout
            appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
            logger.kafka.name = org.apache.kafka
            logger.kafka.level = WARN
            logger.pekko.name = org.apache.pekko
            logger.pekko.level = INFO
            logger.nd4j.name = org.nd4j.imports
            logger.nd4j.level = ERROR
            """;
}
