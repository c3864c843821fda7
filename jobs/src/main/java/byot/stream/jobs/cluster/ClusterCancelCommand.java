package byot.stream.jobs.cluster;

import byot.stream.jobs.cli.Command;
import byot.stream.jobs.cli.Options;
import byot.stream.jobs.cli.Parsed;
import byot.stream.jobs.train.Json;
import java.nio.file.Path;
import java.util.Map;

/** {@code byot cluster cancel}: cancels a job; the session cluster stays up for the next one. */
public final class ClusterCancelCommand implements Command {

    @Override
    public String name() {
        return "cluster cancel";
    }

    @Override
    public String summary() {
        return "Cancel a job on a cluster started with byot cluster start (job ids: byot cluster status)";
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
        System.err.println("byot cluster: cancelling " + args.get("job"));
        System.out.println(Json.line(Map.of("cancelled", args.get("job"))));
        return 0;
    }
}
