package byot.stream.tools.cluster;

import byot.stream.broker.LoopbackPorts;
import byot.stream.tools.cli.DirectoryLock;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A standalone Flink session cluster on this machine: one JobManager ({@code StandaloneSessionClusterEntrypoint}),
 * N TaskManagers ({@code TaskManagerRunner}) and optionally a Kafka broker ({@code byot kafka}), each a JVM of its own,
 * bound to 127.0.0.1, with its config, logs and checkpoints under {@link ClusterSpec#dir()}.
 * <pre>{@code
 * try (LocalCluster cluster = LocalCluster.start(spec, Duration.ofMinutes(2), System.err::println)) {
 *     String jobId = cluster.rest().submit(jar, AdaptJob.class.getName(), args, 2);
 *     cluster.killTaskManager(0);   // SIGKILL, as a lost machine
 *     cluster.startTaskManager();   // a replacement, which registers with the JobManager
 *     cluster.awaitTaskManagers(2, Duration.ofMinutes(1));
 * }
 * }</pre>
 * {@link #close()} stops every process by PID. {@code byot cluster stop} does the same from {@code cluster.json}.
 */
public final class LocalCluster implements AutoCloseable {
    static final String JOB_MANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    static final String BROKER_MAIN = "byot.stream.tools.Byot";
    private static final String BOOTSTRAP_LINE = "bootstrap servers: ";

    private final ClusterSpec spec;
    private final Path confDir;
    private final FlinkRestClient rest;
    private final FlinkJvmArgs taskManagerArgs;
    private ClusterState state;
    private int taskManagersStarted;

    private LocalCluster(ClusterSpec spec, Path confDir, FlinkRestClient rest, FlinkJvmArgs taskManagerArgs, ClusterState state) {
        this.spec = spec;
        this.confDir = confDir;
        this.rest = rest;
        this.taskManagerArgs = taskManagerArgs;
        this.state = state;
    }

    /**
     * Starts every process, records them in {@code cluster.json} at once (so that a failed start can be cleaned up
     * with {@code byot cluster stop}), and returns when all TaskManagers are registered and the broker answers.
     * On failure, stops what it started and throws with the failing process's log file.
     */
    public static LocalCluster start(ClusterSpec spec, Duration timeout, Consumer<String> progress) throws Exception {
        // Two starts in one directory would each pass the check below (cluster.json comes later), rewrite each other's
        // configuration and logs, and leave one cluster's processes recorded nowhere, so that stop could not reach them.
        Files.createDirectories(spec.dir());
        try (DirectoryLock held = DirectoryLock.tryHold(spec.dir().resolve(".start.lock")).orElseThrow(() ->
                new IllegalStateException("another byot cluster start is running in " + spec.dir()))) {
            return startLocked(spec, timeout, progress);
        }
    }

    private static LocalCluster startLocked(ClusterSpec spec, Duration timeout, Consumer<String> progress) throws Exception {
        Optional<ClusterState> previous = ClusterState.read(spec.dir());
        if (previous.isPresent() && previous.get().processes().stream().anyMatch(ClusterProcess::alive)) {
            throw new IllegalStateException("a cluster is already running in " + spec.dir() + " (byot cluster stop --dir "
                    + spec.dir() + ")");
        }
        int restPort = spec.restPort() == 0 ? LoopbackPorts.free(FlinkConfigFile.LOOPBACK) : requireFree(spec.restPort(), "REST");
        if (spec.kafka() && spec.kafkaPort() != 0) {
            requireFree(spec.kafkaPort(), "Kafka");
        }
        int rpcPort = LoopbackPorts.free(FlinkConfigFile.LOOPBACK);
        Files.createDirectories(spec.dir().resolve("log"));
        Path confDir = FlinkConfigFile.write(spec.dir().resolve("conf"), FlinkConfigFile.settings(spec, restPort, rpcPort));
        FlinkJvmArgs jm = FlinkJvmArgs.jobManager(confDir);
        FlinkJvmArgs tm = FlinkJvmArgs.taskManager(confDir);
        progress.accept("JobManager " + jm.maxHeap() + ", TaskManagers " + tm.maxHeap() + " (flags from Flink's memory model)");

        String restUrl = "http://" + FlinkConfigFile.LOOPBACK + ":" + restPort;
        LocalCluster cluster = new LocalCluster(spec, confDir, new FlinkRestClient(restUrl), tm, null);
        ClusterProcess kafka = null;
        try {
            kafka = spec.kafka() ? cluster.launchBroker() : null;
            ClusterProcess jobManager = cluster.launchFlink("jobmanager", JOB_MANAGER_MAIN, jm, List.of());
            cluster.state = new ClusterState(spec.dir().toString(), restUrl, null, spec.slotsPerTaskManager(), jobManager,
                    List.of(), kafka);
            cluster.state.write();
            for (int i = 0; i < spec.taskManagers(); i++) {
                cluster.startTaskManager();
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            cluster.awaitRest(deadline);
            progress.accept("JobManager up, web UI at " + restUrl);
            cluster.awaitTaskManagers(spec.taskManagers(), deadline);
            progress.accept(spec.taskManagers() + " TaskManagers registered");
            if (kafka != null) {
                String bootstrap = awaitBroker(kafka, deadline);
                cluster.state = new ClusterState(cluster.state.dir(), restUrl, bootstrap, spec.slotsPerTaskManager(),
                        jobManager, cluster.state.taskManagers(), kafka);
                cluster.state.write();
                progress.accept("Kafka broker at " + bootstrap);
            }
            return cluster;
        } catch (Exception | Error e) {
            if (cluster.state == null && kafka != null) {
                // Launched before there was a state to record it in: close() would not know of it, nor would stop.
                kafka.stop(Duration.ofSeconds(10));
            }
            cluster.close();
            throw e;
        }
    }

    /** Starts one more TaskManager; returns without waiting for it to register (see {@link #awaitTaskManagers}). */
    public synchronized ClusterProcess startTaskManager() throws IOException {
        String id = "taskmanager-" + (++taskManagersStarted);
        // A readable resource id: the web UI and /taskmanagers then name the process as cluster.json does.
        List<String> dynamic = new ArrayList<>(taskManagerArgs.dynamic());
        dynamic.addAll(List.of("-D", "taskmanager.resource-id=" + id));
        ClusterProcess tm = launchFlink(id, TASK_MANAGER_MAIN, new FlinkJvmArgs(taskManagerArgs.jvm(), dynamic), List.of());
        List<ClusterProcess> tms = new ArrayList<>(state.taskManagers());
        tms.add(tm);
        state = state.withTaskManagers(tms);
        state.write();
        return tm;
    }

    /** SIGKILLs the i-th TaskManager still alive (0-based, in start order) and returns it. */
    public synchronized ClusterProcess killTaskManager(int i) throws InterruptedException, IOException {
        List<ClusterProcess> alive = state.taskManagers().stream().filter(ClusterProcess::alive).toList();
        if (i < 0 || i >= alive.size()) {
            throw new IllegalArgumentException("no live TaskManager #" + i + " (" + alive.size() + " alive)");
        }
        ClusterProcess victim = alive.get(i);
        victim.kill();
        return victim;
    }

    /** Waits until the JobManager lists {@code n} TaskManagers whose processes are alive, e.g. after a replacement. */
    public void awaitTaskManagers(int n, Duration timeout) throws Exception {
        awaitTaskManagers(n, System.nanoTime() + timeout.toNanos());
    }

    private void awaitTaskManagers(int n, long deadlineNanos) throws Exception {
        while (true) {
            requireAlive(state.jobManager());
            List<ClusterProcess> alive = state.taskManagers().stream().filter(ClusterProcess::alive).toList();
            if (alive.size() < n) {
                ClusterProcess dead = state.taskManagers().stream().filter(p -> !p.alive()).reduce((a, b) -> b).orElseThrow();
                requireAlive(dead);
            }
            if (registeredAlive() >= n) {
                return;
            }
            if (System.nanoTime() > deadlineNanos) {
                ClusterProcess last = state.taskManagers().get(state.taskManagers().size() - 1);
                throw new IllegalStateException(registeredAlive() + " of " + n + " TaskManagers registered in time; see " + last.log());
            }
            Thread.sleep(250);
        }
    }

    /**
     * Keeps {@code n} TaskManagers as a supervisor (Kubernetes, systemd) would: starts a replacement for every one
     * no longer alive, whether killed on purpose or taken down by Flink's fatal-error handler (a task failing while
     * it cancels after losing a peer exits its TaskManager), and waits until {@code n} are registered.
     *
     * @return the TaskManagers started
     */
    public synchronized int replenishTaskManagers(int n, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int started = 0;
        while (true) {
            requireAlive(state.jobManager());
            long alive = state.taskManagers().stream().filter(ClusterProcess::alive).count();
            for (long i = alive; i < n; i++) {
                startTaskManager();
                started++;
            }
            if (registeredAlive() >= n) {
                return started;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(registeredAlive() + " of " + n + " TaskManagers registered in time");
            }
            Thread.sleep(250);
        }
    }

    /** TaskManagers the JobManager lists whose processes are alive. */
    private long registeredAlive() throws Exception {
        long registered = 0;
        for (JsonNode tm : rest.get("/taskmanagers").path("taskmanagers")) {
            String id = tm.path("id").asText();
            if (state.taskManagers().stream().anyMatch(p -> p.name().equals(id) && p.alive())) {
                registered++;
            }
        }
        return registered;
    }

    public String restUrl() {
        return state.restUrl();
    }

    public FlinkRestClient rest() {
        return rest;
    }

    /** The broker's address, if the cluster has one. */
    public Optional<String> bootstrapServers() {
        return Optional.ofNullable(state.bootstrapServers());
    }

    public synchronized ClusterState state() {
        return state;
    }

    public ClusterSpec spec() {
        return spec;
    }

    /** Stops every process by PID: TaskManagers, JobManager, broker. */
    @Override
    public void close() throws InterruptedException, IOException {
        if (state != null) {
            stop(state, Duration.ofSeconds(20));
        }
    }

    /**
     * SIGTERM to every process of a cluster (TaskManagers first), SIGKILL to those still alive after {@code grace};
     * then removes {@code cluster.json} and the scratch directories, keeping logs and checkpoints.
     *
     * @return the names of the processes that had to be killed
     */
    public static List<String> stop(ClusterState state, Duration grace) throws InterruptedException, IOException {
        List<String> killed = new ArrayList<>();
        List<ClusterProcess> flink = new ArrayList<>(state.taskManagers());
        flink.add(state.jobManager());
        for (ClusterProcess p : flink) {
            p.handle().ifPresent(ProcessHandle::destroy); // all at once: each takes seconds to shut down
        }
        for (ClusterProcess p : flink) {
            if (!p.stop(grace)) {
                killed.add(p.name());
            }
        }
        if (state.kafka() != null && !state.kafka().stop(grace)) {
            killed.add(state.kafka().name());
        }
        Path dir = Path.of(state.dir());
        Files.deleteIfExists(dir.resolve(ClusterState.FILE));
        for (String scratch : List.of("tmp", "web", "blobs", "work", "kafka", "plugins")) {
            deleteRecursively(dir.resolve(scratch));
        }
        return killed;
    }

    private ClusterProcess launchFlink(String name, String mainClass, FlinkJvmArgs args, List<String> extra) throws IOException {
        Path log = spec.dir().resolve("log").resolve(name + ".log");
        List<String> command = new ArrayList<>(args.jvm());
        // flink-daemon.sh's log settings: the web UI finds each process's log through log.file.
        command.add("-Dlog.file=" + log);
        command.add("-Dlog4j.configuration=file:" + confDir.resolve("log4j.properties"));
        command.add("-Dlog4j.configurationFile=file:" + confDir.resolve("log4j.properties"));
        command.addAll(List.of("-classpath", spec.flinkClasspath(), mainClass, "--configDir", confDir.toString()));
        command.addAll(args.dynamic());
        command.addAll(extra);
        Map<String, String> env = new java.util.HashMap<>(ndEnvironment());
        // What flink-daemon.sh exports; an empty plugins directory saves a warning per process.
        env.put("FLINK_CONF_DIR", confDir.toString());
        env.put("FLINK_PLUGINS_DIR", Files.createDirectories(spec.dir().resolve("plugins")).toString());
        return JvmLauncher.start(name, command, env, log, spec.dir().resolve("log").resolve(name + ".out"));
    }

    private ClusterProcess launchBroker() throws IOException {
        Path log = spec.dir().resolve("log").resolve("kafka.log");
        Path data = spec.dir().resolve("kafka");
        Files.createDirectories(data);
        List<String> command = List.of("-Xms256m", "-Xmx768m",
                // EmbeddedKafkaBroker keeps its data in a temporary directory: under the cluster dir, not /tmp.
                "-Djava.io.tmpdir=" + data,
                "-Dlog.file=" + log,
                "-Dlog4j2.configurationFile=file:" + confDir.resolve("log4j.properties"),
                "-classpath", spec.brokerClasspath(), BROKER_MAIN,
                "kafka", "--port", String.valueOf(spec.kafkaPort()), "--partitions", String.valueOf(spec.kafkaPartitions()));
        return JvmLauncher.start("kafka", command, Map.of(), log, spec.dir().resolve("log").resolve("kafka.out"));
    }

    /** ND4J in a TaskManager: one OpenMP thread per process on a small shared box, and no spin-waiting. */
    private static Map<String, String> ndEnvironment() {
        return Map.of("OMP_NUM_THREADS", "1", "OMP_WAIT_POLICY", "PASSIVE");
    }

    private void awaitRest(long deadlineNanos) throws Exception {
        while (!rest.reachable()) {
            requireAlive(state.jobManager());
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("the JobManager's REST endpoint " + rest.baseUrl() + " did not answer in time; see "
                        + state.jobManager().log());
            }
            Thread.sleep(250);
        }
    }

    /** {@code byot kafka} prints its bootstrap servers once its topics exist. */
    private static String awaitBroker(ClusterProcess kafka, long deadlineNanos) throws Exception {
        Path out = Path.of(kafka.out());
        while (true) {
            Optional<String> line = Files.readAllLines(out).stream().filter(l -> l.startsWith(BOOTSTRAP_LINE)).findFirst();
            if (line.isPresent()) {
                return line.get().substring(BOOTSTRAP_LINE.length()).trim();
            }
            requireAlive(kafka);
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("the Kafka broker did not come up in time; see " + kafka.out());
            }
            Thread.sleep(250);
        }
    }

    private static void requireAlive(ClusterProcess p) {
        if (!p.alive()) {
            throw new IllegalStateException(p.name() + " (pid " + p.pid() + ") exited; see " + p.log() + " and " + p.out()
                    + " (last line: " + JvmLauncher.tail(p.out(), 1).strip() + ")");
        }
    }

    private static int requireFree(int port, String what) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName(FlinkConfigFile.LOOPBACK))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " port " + port + " on " + FlinkConfigFile.LOOPBACK + " is taken");
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
