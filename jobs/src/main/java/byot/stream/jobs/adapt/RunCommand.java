package byot.stream.jobs.adapt;

import byot.stream.jobs.cli.Command;
import byot.stream.jobs.cli.Options;
import byot.stream.jobs.cli.Parsed;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.ModelSpec;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code byot run} (alias {@code byot adapt}): submits the continual-adaptation pipeline to the Flink
 * environment it runs in, a local MiniCluster by default or a cluster under {@code flink run}.
 */
public final class RunCommand implements Command {

    private final String name;

    public RunCommand(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String summary() {
        return name.equals("run") ? "Run the Kafka -> BYOT fine-tuning + early-exit inference -> Kafka pipeline on Flink"
                : "Alias of run";
    }

    @Override
    public Options options() {
        return AdaptOptions.declare();
    }

    @Override
    public int run(Parsed args) throws Exception {
        byte[] configured = AdaptJob.initialModel(args);
        ModelSpec spec = ModelFile.fromBytes(configured).spec();
        JobSettings settings = AdaptOptions.settings(args);
        PipelineConfig pipeline = AdaptOptions.pipeline(args, spec.sections());
        StartSettings start = AdaptOptions.start(args);
        CheckpointDirectory checkpoints = CheckpointDirectory.of(settings.checkpointDir());
        checkpoints.ensurePrivate().ifPresent(warning -> System.err.println("byot " + name + ": WARNING: " + warning));
        StreamExecutionEnvironment env = AdaptJob.environment(settings, start);
        StartingModel initial = AdaptJob.startingModel(configured, args.has("initial-model"), settings, start, env);
        System.err.println("byot " + name + ": " + initial.note());
        AdaptPipeline.build(env, KafkaPipelineEndpoints.of(settings, spec), pipeline, initial.model());
        System.err.println("submitting byot-adapt: " + spec.summary() + ", images from " + settings.topics().images()
                + " at " + settings.client().bootstrapServers());
        System.err.println("byot " + name + ": checkpoints go to " + checkpoints.uri() + "/<job id>/chk-<n> and are kept when"
                + " the job is cancelled; resume with --from-savepoint <that chk-n directory> (or a savepoint of"
                + " byot cluster stop-job)");
        JobExecutionResult result = env.execute("byot-adapt");
        // Detached submissions (flink run -d) return before the job ends and have no runtime to report.
        if (result.isJobExecutionResult()) {
            System.err.println("job finished after " + result.getNetRuntime() + " ms");
        } else {
            System.err.println("job submitted: " + result.getJobID());
        }
        return 0;
    }
}
