package byot.stream.tools.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.tools.Byot;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.UsageException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the cluster commands derive before any process starts: config, JVM flags, job arguments, errors. */
class ClusterSetupTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private ClusterSpec spec() {
        return ClusterSpec.defaults(dir, "lib.jar", "broker.jar");
    }

    private Path conf(ClusterSpec spec) throws Exception {
        return FlinkConfigFile.write(dir.resolve("conf"), FlinkConfigFile.settings(spec, 18081, 16123));
    }

    private static long flag(List<String> flags, String prefix) {
        return flags.stream().filter(f -> f.startsWith(prefix)).mapToLong(f -> Long.parseLong(f.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in " + flags));
    }

    @Test
    void taskManagerFlagsFollowFlinksMemoryModel() throws Exception {
        FlinkJvmArgs tm = FlinkJvmArgs.taskManager(conf(spec()));
        // 1536m process: 256m metaspace, 192m overhead (10% is below the 192m minimum) leave 1088m of Flink memory;
        // network 10% = 108.8m, managed 5% = 54.4m, framework heap and off-heap 128m each, task heap the rest (668.8m).
        assertThat(flag(tm.jvm(), "-Xmx")).isCloseTo((long) ((128 + 668.8) * MIB), org.assertj.core.data.Offset.offset(8L));
        assertThat(flag(tm.jvm(), "-Xms")).isEqualTo(flag(tm.jvm(), "-Xmx"));
        assertThat(flag(tm.jvm(), "-XX:MaxDirectMemorySize=")).isCloseTo((long) ((128 + 108.8) * MIB),
                org.assertj.core.data.Offset.offset(8L));
        assertThat(flag(tm.jvm(), "-XX:MaxMetaspaceSize=")).isEqualTo(256 * MIB);
        assertThat(tm.jvm()).contains("--add-opens=java.base/java.util=ALL-UNNAMED",
                "-Dorg.bytedeco.javacpp.maxbytes=" + (1024 * MIB),
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=" + ((1536 + 1024 + 512) * MIB));
        // The sizes travel as -D key=value pairs, as taskmanager.sh appends them.
        assertThat(tm.dynamic()).hasSizeGreaterThan(10).contains("-D", "taskmanager.memory.framework.heap.size=134217728b",
                "taskmanager.memory.jvm-metaspace.size=268435456b");
    }

    @Test
    void jobManagerFlagsFollowFlinksMemoryModel() throws Exception {
        FlinkJvmArgs jm = FlinkJvmArgs.jobManager(conf(spec().withMemory("2048m", "1536m", "512m")));
        // 2048m: 256m metaspace, 204.8m overhead (10%), 128m off-heap, the heap gets the remaining 1459.2m.
        assertThat(flag(jm.jvm(), "-Xmx")).isCloseTo((long) (1459.2 * MIB), org.assertj.core.data.Offset.offset(8L));
        assertThat(flag(jm.jvm(), "-XX:MaxMetaspaceSize=")).isEqualTo(256 * MIB);
        assertThat(jm.jvm()).as("Flink limits the JobManager's direct memory only on request")
                .noneMatch(f -> f.startsWith("-XX:MaxDirectMemorySize"));
        assertThat(jm.jvm()).contains("-Dorg.bytedeco.javacpp.maxbytes=" + (512 * MIB))
                .doesNotContain("-Dorg.bytedeco.javacpp.maxbytes=" + (1024 * MIB));
    }

    @Test
    void configBindsEverythingToLoopbackAndKeepsFilesInTheClusterDir() throws Exception {
        ClusterSpec spec = spec().withTaskManagers(3, 2).withSettings(Map.of("restart-strategy.type", "fixed-delay",
                "rest.port", "18082"));
        Configuration c = GlobalConfiguration.loadConfiguration(conf(spec).toString());
        for (String key : List.of("jobmanager.rpc.address", "jobmanager.bind-host", "rest.address", "rest.bind-address",
                "taskmanager.host", "taskmanager.bind-host")) {
            assertThat(c.getString(key, null)).as(key).isEqualTo("127.0.0.1");
        }
        assertThat(c.getString("jobmanager.rpc.port", null)).isEqualTo("16123");
        assertThat(c.getString("rest.port", null)).as("settings win over generated values").isEqualTo("18082");
        assertThat(c.getString("restart-strategy.type", null)).isEqualTo("fixed-delay");
        assertThat(c.getString("taskmanager.numberOfTaskSlots", null)).isEqualTo("2");
        assertThat(c.getString("classloader.parent-first-patterns.additional", null)).contains("org.nd4j.", "org.bytedeco.");
        assertThat(c.getString("execution.checkpointing.dir", null)).isEqualTo(dir.resolve("checkpoints").toUri().toString());
        assertThat(c.getString("web.upload.dir", null)).startsWith(dir.toString());
        assertThat(c.getString("env.java.opts.all", null)).contains("--add-opens=java.base/java.util=ALL-UNNAMED");
        assertThat(c.getString("env.java.opts.taskmanager", null)).contains(FlinkConfigFile.LOW_PAUSE_GC);
    }

    @Test
    void submitFillsInTheClustersBrokerAndCheckpointsUnlessGiven() {
        ClusterState state = new ClusterState(dir.toString(), "http://127.0.0.1:1", "127.0.0.1:9999", 1,
                new ClusterProcess("jobmanager", 1, 0, "jm.log", "jm.out"), List.of(), null);
        assertThat(SubmitCommand.withClusterDefaults(List.of("--threshold", "0.8"), state)).containsExactly(
                "--bootstrap-servers", "127.0.0.1:9999", "--checkpoint-dir", dir.resolve("checkpoints").toUri().toString(),
                "--threshold", "0.8");
        assertThat(SubmitCommand.withClusterDefaults(List.of("--bootstrap-servers=k:2"), state)).as("the --flag=value form")
                .containsExactly("--checkpoint-dir", dir.resolve("checkpoints").toUri().toString(), "--bootstrap-servers=k:2");
        assertThat(SubmitCommand.withClusterDefaults(List.of("--bootstrap-servers", "k:1", "--checkpoint-dir", "file:///c"), state))
                .containsExactly("--bootstrap-servers", "k:1", "--checkpoint-dir", "file:///c");
    }

    @Test
    void aLocalSavepointThatIsNotThereIsRefusedBeforeTheUpload() throws Exception {
        Path savepoint = Files.createDirectories(dir.resolve("savepoint-1"));
        SubmitCommand.requireLocalSavepoint(savepoint.toString());
        SubmitCommand.requireLocalSavepoint(savepoint.toUri().toString());
        SubmitCommand.requireLocalSavepoint("s3://bucket/savepoint-2"); // not this machine's to check
        assertThatThrownBy(() -> SubmitCommand.requireLocalSavepoint(dir.resolve("savepoint-9").toString()))
                .isInstanceOf(UsageException.class).hasMessageContaining("no savepoint or retained checkpoint there");
        assertThatThrownBy(() -> SubmitCommand.requireLocalSavepoint(dir.resolve("savepoint-9").toUri().toString()))
                .isInstanceOf(UsageException.class);
    }

    /** A second start in the same directory is refused before it launches anything or rewrites the first's files. */
    @Test
    void aSecondStartInTheSameDirectoryIsRefusedWhileTheFirstRuns() throws Exception {
        Path cluster = Files.createDirectories(dir.resolve("cluster"));
        try (var channel = java.nio.channels.FileChannel.open(cluster.resolve(".start.lock"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE); var held = channel.lock()) {
            assertThatThrownBy(() -> LocalCluster.start(ClusterSpec.defaults(cluster, "", ""), java.time.Duration.ofSeconds(1), p -> { }))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("another byot cluster start is running");
        }
        assertThat(cluster.resolve("conf")).as("nothing written").doesNotExist();
    }

    /** ./byot rebuilds the job's classes but not the shaded job jar: an older job jar would run code since changed. */
    @Test
    void submitRefusesAJobJarOlderThanTheJobsClasses() throws Exception {
        Path target = Files.createDirectories(dir.resolve("target"));
        Path jobJar = Files.write(target.resolve("byot-jobs-0.1.0-job.jar"), new byte[] {1});
        Path classes = Files.write(target.resolve("byot-jobs-0.1.0.jar"), new byte[] {2});
        long now = System.currentTimeMillis();
        jobJar.toFile().setLastModified(now - 60_000);
        classes.toFile().setLastModified(now);
        assertThatThrownBy(() -> SubmitCommand.jar(java.util.Optional.empty(), target)).isInstanceOf(UsageException.class)
                .hasMessageContaining("older than the job's classes").hasMessageContaining("-Pjob-jar");
        assertThat(SubmitCommand.jar(java.util.Optional.of(jobJar.toString()), target)).as("named: the user's choice").isEqualTo(jobJar);

        jobJar.toFile().setLastModified(now + 1_000);
        assertThat(SubmitCommand.jar(java.util.Optional.empty(), target)).isEqualTo(jobJar);
    }

    @Test
    void restErrorsBecomeTheirInnermostCause() throws Exception {
        var body = new ObjectMapper().readTree("{\"errors\":[\"Internal server error.\",\"<Exception on server side:\\n"
                + "org.apache.flink.client.program.ProgramInvocationException: The main method caused an error\\n\\tat x.y(Z.java:1)\\n"
                + "Caused by: java.lang.IllegalStateException: byot run exited with code 2\\n\\tat a.b(C.java:2)\\n>\"]}");
        assertThat(FlinkRestClient.errorSummary(body)).isEqualTo("java.lang.IllegalStateException: byot run exited with code 2");
    }

    @Test
    void clusterStateSurvivesTheFileAndARecycledPidIsNotOurs() throws Exception {
        ProcessHandle self = ProcessHandle.current();
        long started = self.info().startInstant().map(Instant::toEpochMilli).orElseThrow();
        ClusterProcess me = new ClusterProcess("jobmanager", self.pid(), started, "a.log", "a.out");
        ClusterState state = new ClusterState(dir.toString(), "http://127.0.0.1:1", null, 2, me,
                List.of(new ClusterProcess("taskmanager-1", self.pid(), started - 60_000, "b.log", "b.out")), null);
        state.write();
        ClusterState read = ClusterState.read(dir).orElseThrow();
        assertThat(read).isEqualTo(state);
        assertThat(read.jobManager().alive()).isTrue();
        assertThat(read.taskManagers().get(0).alive()).as("same PID, other start time").isFalse();
        assertThat(read.processes()).extracting(ClusterProcess::name).containsExactly("taskmanager-1", "jobmanager");
        assertThat(ClusterState.read(dir.resolve("none"))).isEmpty();
    }

    @Test
    void flagsAfterDoubleDashAreLeftForTheJob() {
        var parsed = new Options().passOn("job flags").add("jar", null, "jar").parse(new String[] {"--jar", "a.jar", "--", "--threshold", "0.8"});
        assertThat(parsed.get("jar")).isEqualTo("a.jar");
        assertThat(parsed.positional()).containsExactly("--threshold", "0.8");
    }

    @Test
    void missingPiecesAreOneLineErrorsThatSayHowToBuildThem() throws Exception {
        assertThat(cli("submit", "--jar", dir.resolve("none.jar").toString())).startsWith("byot submit: no job jar at")
                .contains("mvn -B -Pjob-jar -pl jobs -am package -DskipTests");
        assertThat(cli("cluster", "status", "--dir", dir.toString())).startsWith("byot cluster status: no cluster in");
        assertThat(cli("cluster", "start", "--dir", dir.toString(), "--lib", dir.resolve("cp.txt").toString()))
                .startsWith("byot cluster start: no cluster classpath at").contains("mvn -B -pl cluster-lib package");
        Files.writeString(dir.resolve("cp.txt"), "/nowhere/flink-core.jar");
        assertThat(cli("cluster", "start", "--dir", dir.toString(), "--lib", dir.resolve("cp.txt").toString()))
                .contains("is not the cluster's classpath");
        assertThatThrownBy(() -> ClusterClasspath.read(dir.resolve("missing"))).isInstanceOf(UsageException.class);
    }

    private static String cli(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Byot.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8).strip();
        assertThat(code).as(text).isNotZero();
        assertThat(text.lines()).as("one line: %s", text).hasSize(1);
        return text;
    }
}
