package byot.stream.tools.cluster;

import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.tools.train.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** {@code byot cluster stop}: SIGTERM to every recorded process, SIGKILL after a grace period. */
public final class ClusterStopCommand implements Command {

    @Override
    public String name() {
        return "cluster stop";
    }

    @Override
    public String summary() {
        return "Stop a cluster started with byot cluster start (by PID; logs and checkpoints stay)";
    }

    @Override
    public Options options() {
        return new Options()
                .add("dir", "out/cluster", "Cluster directory given to byot cluster start")
                .add("grace-seconds", "20", "Time to shut down cleanly after SIGTERM before SIGKILL");
    }

    @Override
    public int run(Parsed args) throws Exception {
        ClusterState state = ClusterStatusCommand.require(Path.of(args.get("dir")));
        var killed = LocalCluster.stop(state, Duration.ofSeconds(args.getLong("grace-seconds")));
        System.err.println("byot cluster: stopped " + state.processes().size() + " processes"
                + (killed.isEmpty() ? "" : " (killed after the grace period: " + String.join(", ", killed) + ")")
                + "; logs stay in " + Path.of(state.dir()).resolve("log"));
        System.out.println(Json.line(Map.of("stopped", state.processes().stream().map(ClusterProcess::pid).toList(),
                "killed", killed)));
        return 0;
    }
}
