package byot.stream.tools.cluster;

import byot.stream.jobs.adapt.CheckpointDirectory;
import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.UsageException;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.tools.train.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code byot cluster stop-job}: stops a job with a savepoint and prints where it is, so the job can be resumed with
 * everything it learned ({@code byot submit --from-savepoint}). Unlike {@code cluster cancel}, the savepoint is
 * taken at the stop itself: nothing after the last checkpoint is lost.
 */
public final class ClusterStopJobCommand implements Command {
    static final Duration POLL = Duration.ofMillis(500);
    /** How often a savepoint still in progress is reported: a large model's takes tens of seconds. */
    static final Duration PROGRESS = Duration.ofSeconds(10);

    @Override
    public String name() {
        return "cluster stop-job";
    }

    @Override
    public String summary() {
        return "Stop a job with a savepoint and print its path (resume: byot submit --from-savepoint PATH)";
    }

    @Override
    public Options options() {
        return new Options()
                .required("job", "Job id, as byot submit printed it")
                .add("dir", "out/cluster", "Cluster directory given to byot cluster start")
                .add("rest", null, "Flink REST URL, for a cluster not started by byot (default: from --dir)")
                .add("savepoint-dir", null, "Where the savepoint goes (default: <dir>/savepoints; with --rest: the cluster's savepoint directory)")
                .flag("drain", "Fire every open metrics window before stopping (the resumed job then starts new windows)")
                .add("timeout-seconds", "300", "Longest to wait for the savepoint");
    }

    @Override
    public int run(Parsed args) throws Exception {
        String job = args.get("job");
        String restUrl;
        String target;
        if (args.has("rest")) {
            restUrl = args.get("rest");
            target = args.optional("savepoint-dir").map(d -> CheckpointDirectory.of(d).uri()).orElse(null);
        } else {
            ClusterState state = ClusterStatusCommand.require(Path.of(args.get("dir")));
            restUrl = state.restUrl();
            target = CheckpointDirectory.of(args.optional("savepoint-dir")
                    .orElse(Path.of(state.dir()).resolve("savepoints").toString())).uri();
        }
        if (target != null) {
            // The savepoint holds the model and recent input images, like a checkpoint: owner-only when local.
            var warning = CheckpointDirectory.of(target).ensurePrivate();
            warning.ifPresent(w -> System.err.println("byot cluster: WARNING: " + w.replace("checkpoint directory", "savepoint directory")));
        }
        FlinkRestClient rest = new FlinkRestClient(restUrl);
        // Read before the job is touched: a malformed value must not stop the job and then fail the command.
        Duration timeout = Duration.ofSeconds(args.getLong("timeout-seconds"));
        if (timeout.isNegative() || timeout.isZero()) {
            throw new UsageException("--timeout-seconds must be > 0, got " + timeout.toSeconds());
        }
        requireRunning(rest, job);
        String trigger = rest.stopWithSavepoint(job, target, args.flag("drain"));
        System.err.println("byot cluster: stopping " + job + " with a savepoint into "
                + (target == null ? "the cluster's savepoint directory" : target));
        FlinkRestClient.SavepointStatus status = await(rest, job, trigger, timeout);
        if (status.failed()) {
            throw new IOException("the savepoint of job " + job + " failed, the job keeps running: " + status.failure());
        }
        System.err.println("byot cluster: " + job + " stopped; resume it with: byot submit --from-savepoint " + status.location()
                + " -- <the job's flags>");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("stopped", job);
        out.put("savepoint", status.location());
        System.out.println(Json.line(out));
        return 0;
    }

    /**
     * Flink accepts a stop request for a job that has ended, and its savepoint then fails with "job not found": the
     * command would say the job keeps running. Asked first, the answer is what the job's state is.
     */
    static void requireRunning(FlinkRestClient rest, String job) throws IOException, InterruptedException {
        String state;
        try {
            state = rest.get("/jobs/" + job).path("state").asText("UNKNOWN");
        } catch (FlinkRestClient.StatusException e) {
            if (e.status() == 404) {
                throw new UsageException("no job " + job + " on the cluster at " + rest.baseUrl() + " (byot cluster status lists them)");
            }
            throw e;
        }
        if (!state.equals("RUNNING")) {
            throw new UsageException("job " + job + " is " + state + ", not running: there is no job to stop with a savepoint");
        }
    }

    static FlinkRestClient.SavepointStatus await(FlinkRestClient rest, String job, String trigger, Duration timeout)
            throws IOException, InterruptedException {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        long lastReport = started;
        while (true) {
            FlinkRestClient.SavepointStatus status = rest.savepoint(job, trigger);
            if (status.completed()) {
                return status;
            }
            if (System.nanoTime() - lastReport >= PROGRESS.toNanos()) {
                lastReport = System.nanoTime();
                System.err.printf("byot cluster: savepoint of %s in progress, %d s (up to %d s)%n", job,
                        (lastReport - started) / 1_000_000_000L, timeout.toSeconds());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the savepoint of job " + job + " did not complete within " + timeout.toSeconds()
                        + " s (trigger " + trigger + "); see byot cluster status and the JobManager log");
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
