package byot.stream.tools.cluster;

import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.tools.train.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code byot cluster status}: are the recorded processes alive, and what does the JobManager report. */
public final class ClusterStatusCommand implements Command {

    @Override
    public String name() {
        return "cluster status";
    }

    @Override
    public String summary() {
        return "Check the processes of a cluster started with byot cluster start, its TaskManagers, slots and jobs";
    }

    @Override
    public Options options() {
        return new Options().add("dir", "out/cluster", "Cluster directory given to byot cluster start");
    }

    static ClusterState require(Path dir) throws IOException {
        return ClusterState.read(dir).orElseThrow(() -> new UsageException("no cluster in " + dir
                + " (no " + ClusterState.FILE + "; start one with byot cluster start --dir " + dir + ")"));
    }

    @Override
    public int run(Parsed args) throws Exception {
        ClusterState state = require(Path.of(args.get("dir")));
        Map<String, Object> out = new LinkedHashMap<>();
        boolean healthy = true;
        List<Map<String, Object>> processes = new ArrayList<>();
        for (ClusterProcess p : state.processes()) {
            boolean alive = p.alive();
            healthy &= alive;
            processes.add(Map.of("name", p.name(), "pid", p.pid(), "alive", alive));
            System.err.printf("%-15s pid %-8d %s%n", p.name(), p.pid(), alive ? "running" : "GONE (see " + p.log() + ")");
        }
        out.put("webUi", state.restUrl());
        out.put("bootstrapServers", state.bootstrapServers());
        out.put("processes", processes);
        try {
            FlinkRestClient rest = new FlinkRestClient(state.restUrl());
            JsonNode overview = rest.get("/overview");
            out.put("taskManagers", overview.path("taskmanagers").asInt());
            out.put("slotsTotal", overview.path("slots-total").asInt());
            out.put("slotsAvailable", overview.path("slots-available").asInt());
            List<Map<String, Object>> jobs = new ArrayList<>();
            for (JsonNode job : rest.get("/jobs/overview").path("jobs")) {
                jobs.add(Map.of("id", job.path("jid").asText(), "name", job.path("name").asText(), "state", job.path("state").asText()));
            }
            out.put("jobs", jobs);
            System.err.println("web UI " + state.restUrl() + ": " + overview.path("taskmanagers").asInt() + " TaskManagers, "
                    + overview.path("slots-available").asInt() + "/" + overview.path("slots-total").asInt() + " slots free, "
                    + jobs.size() + " jobs");
        } catch (IOException e) {
            healthy = false;
            out.put("restError", e.getMessage());
            System.err.println("REST: " + e.getMessage());
        }
        out.put("healthy", healthy);
        System.out.println(Json.line(out));
        return healthy ? 0 : 1;
    }
}
