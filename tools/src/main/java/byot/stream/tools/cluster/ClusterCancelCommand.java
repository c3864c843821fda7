package byot.stream.tools.cluster;

import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.tools.train.Json;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code byot cluster cancel}: cancels a job; the session cluster stays up for the next one. The pipeline's last
 * checkpoint is kept (a resume point, not a savepoint: what was learned after it is lost); {@code cluster stop-job}
 * stops with a savepoint instead.
 */
public final class ClusterCancelCommand implements Command {

    @Override
    public String name() {
        return "cluster cancel";
    }

    @Override
    public String summary() {
        return "Cancel a job without a savepoint (its last checkpoint is kept; byot cluster stop-job takes a savepoint)";
    }

    @Override
    public Options options() {
        return new Options()
                .required("job", "Job id, as byot submit printed it")
                .add("dir", "out/cluster", "Cluster directory given to byot cluster start");
    }

    @Override
    public int run(Parsed args) throws Exception {
        ClusterState state = ClusterStatusCommand.require(Path.of(args.get("dir")));
        new FlinkRestClient(state.restUrl()).cancel(args.get("job"));
        System.err.println("byot cluster: cancelling " + args.get("job") + " without a savepoint; its last checkpoint is kept in "
                + Path.of(state.dir()).resolve("checkpoints").resolve(args.get("job")) + " (resume: byot submit --from-savepoint <its chk-n>;"
                + " to stop with a savepoint instead: byot cluster stop-job --job " + args.get("job") + ")");
        System.out.println(Json.line(Map.of("cancelled", args.get("job"))));
        return 0;
    }
}
