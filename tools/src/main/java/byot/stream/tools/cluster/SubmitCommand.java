package byot.stream.tools.cluster;

import byot.stream.tools.cli.Command;
import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.adapt.StartSettings;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.tools.train.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code byot submit}: uploads the job jar through the REST API and runs it, as the web UI's "Submit New Job" does.
 * Flags after {@code --} go to the job; for the pipeline, the cluster's broker and checkpoint directory are filled in.
 */
public final class SubmitCommand implements Command {
    static final String JOB_JAR_DIR = "jobs/target";
    static final String BUILD_HINT = "build it with: mvn -B -Pjob-jar -pl jobs -am package -DskipTests";
    static final String ADAPT_JOB = "byot.stream.jobs.adapt.AdaptJob";

    @Override
    public String name() {
        return "submit";
    }

    @Override
    public String summary() {
        return "Submit the job jar to a Flink cluster over REST and print the job id (job flags after --)";
    }

    @Override
    public Options options() {
        return new Options()
                .passOn("The job's own flags (byot run --help lists them)")
                .add("jar", null, "Job jar (default: " + JOB_JAR_DIR + "/byot-jobs-*-job.jar)")
                .add("dir", "out/cluster", "Cluster directory of byot cluster start: REST URL, broker, checkpoints")
                .add("rest", null, "Flink REST URL, for a cluster not started by byot (default: from --dir)")
                .add("parallelism", "0", "Default parallelism of the job (0: every slot of a byot cluster, else the cluster default)")
                .add("entry-class", ADAPT_JOB, "Main class in the jar")
                .add(AdaptOptions.FROM_SAVEPOINT).add(AdaptOptions.ALLOW_NON_RESTORED_STATE);
    }

    @Override
    public int run(Parsed args) throws Exception {
        Path jar = jar(args.optional("jar"), Path.of(JOB_JAR_DIR));
        Optional<ClusterState> cluster = args.has("rest") ? Optional.empty()
                : Optional.of(ClusterStatusCommand.require(Path.of(args.get("dir"))));
        String restUrl = args.optional("rest").orElseGet(() -> cluster.orElseThrow().restUrl());
        // The job's own start options, checked as the job checks them, then handed to the REST API's restore settings.
        StartSettings start = AdaptOptions.start(args.configuration());
        Optional<FlinkRestClient.Restore> restore = start.savepoint()
                .map(path -> new FlinkRestClient.Restore(path, start.allowNonRestoredState()));
        if (cluster.isPresent() && restore.isPresent()) {
            requireLocalSavepoint(restore.get().path());
        }
        int parallelism = args.getInt("parallelism");
        if (parallelism == 0 && cluster.isPresent()) {
            parallelism = cluster.get().taskManagers().size() * cluster.get().slotsPerTaskManager();
        }
        List<String> jobArgs = args.get("entry-class").equals(ADAPT_JOB) && cluster.isPresent()
                ? withClusterDefaults(args.positional(), cluster.get()) : args.positional();

        FlinkRestClient rest = new FlinkRestClient(restUrl);
        System.err.println("byot submit: uploading " + jar + " (" + Files.size(jar) / (1 << 20) + " MB) to " + restUrl);
        String jarId = rest.uploadJar(jar);
        System.err.println("byot submit: running " + args.get("entry-class") + " with parallelism " + parallelism + " " + jobArgs
                + restore.map(r -> ", restoring " + r.path()).orElse(""));
        String jobId;
        try {
            jobId = rest.runJar(jarId, args.get("entry-class"), jobArgs, parallelism, restore);
        } catch (IOException e) {
            // main() ran in the JobManager: a flag it rejected is explained in the JobManager's stdout.
            String hint = cluster.map(c -> lastLine(c.jobManager().out(), "byot ")).orElse("");
            throw new IOException(e.getMessage() + (hint.isEmpty() ? "" : "; the job said: " + hint), e);
        }
        System.err.println("byot submit: job " + jobId + " is running; watch it at " + restUrl + "/#/job/running/" + jobId + "/overview");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("jobId", jobId);
        out.put("jarId", jarId);
        out.put("restUrl", restUrl);
        out.put("parallelism", parallelism);
        restore.ifPresent(r -> out.put("restoredFrom", r.path()));
        System.out.println(Json.line(out));
        return 0;
    }

    /**
     * A byot cluster's JobManager runs on this machine: a savepoint path it cannot find is found here first, before the
     * upload and minutes of the job's main() in the JobManager end in Flink's restore error. Other file systems (s3://)
     * are left to Flink.
     */
    static void requireLocalSavepoint(String path) {
        Path local;
        if (path.startsWith("file:/")) {
            local = Path.of(java.net.URI.create(path));
        } else if (path.startsWith("/")) {
            local = Path.of(path);
        } else {
            return;
        }
        if (!Files.exists(local)) {
            throw new UsageException("--from-savepoint " + path + ": no savepoint or retained checkpoint there"
                    + " (byot cluster stop-job prints a savepoint's path; a checkpoint is <checkpoint dir>/<job id>/chk-N)");
        }
    }

    /** The pipeline's Kafka and checkpoint flags, unless given: the cluster's broker and checkpoint directory. */
    static List<String> withClusterDefaults(List<String> given, ClusterState cluster) {
        // The cluster's values go first: were a flag given too (also as --flag=value), the job's last one wins.
        java.util.Set<String> named = new java.util.HashSet<>();
        given.forEach(arg -> named.add(arg.split("=", 2)[0]));
        List<String> all = new ArrayList<>();
        if (!named.contains("--bootstrap-servers") && cluster.bootstrapServers() != null) {
            all.addAll(List.of("--bootstrap-servers", cluster.bootstrapServers()));
        }
        if (!named.contains("--checkpoint-dir")) {
            all.addAll(List.of("--checkpoint-dir", Path.of(cluster.dir()).resolve("checkpoints").toUri().toString()));
        }
        all.addAll(given);
        return all;
    }

    private static String lastLine(String file, String prefix) {
        try (Stream<String> lines = Files.lines(Path.of(file))) {
            return lines.filter(l -> l.startsWith(prefix)).reduce((a, b) -> b).orElse("");
        } catch (IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }

    /** The jar given, or the newest job jar in {@code dir} if it is not older than the job's classes there. */
    static Path jar(Optional<String> given, Path dir) throws IOException {
        if (given.isPresent()) {
            Path jar = Path.of(given.get());
            if (!Files.isRegularFile(jar)) {
                throw new UsageException("no job jar at " + jar + "; " + BUILD_HINT);
            }
            return jar;
        }
        if (!Files.isDirectory(dir)) {
            throw new UsageException("no job jar in " + dir.toAbsolutePath() + "; " + BUILD_HINT);
        }
        Path jar;
        Optional<Path> classes;
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jars = files.filter(p -> p.getFileName().toString().matches("byot-jobs-.*\\.jar")).toList();
            jar = jars.stream().filter(p -> p.getFileName().toString().endsWith("-job.jar"))
                    .max(java.util.Comparator.comparingLong(p -> p.toFile().lastModified()))
                    .orElseThrow(() -> new UsageException("no job jar in " + dir.toAbsolutePath() + "; " + BUILD_HINT));
            classes = jars.stream().filter(p -> !p.getFileName().toString().endsWith("-job.jar"))
                    .max(java.util.Comparator.comparingLong(p -> p.toFile().lastModified()));
        }
        // ./byot rebuilds the job's classes when sources change, but not the shaded job jar (that takes -Pjob-jar):
        // uploading the older job jar would run code the user has since changed, without a word.
        if (classes.isPresent() && classes.get().toFile().lastModified() > jar.toFile().lastModified() + 1000) {
            throw new UsageException(jar + " is older than the job's classes built since (" + classes.get().getFileName()
                    + "), so it would run old code; " + BUILD_HINT + ", or name a jar with --jar");
        }
        return jar;
    }
}
