package byot.stream.jobs.adapt;

import byot.stream.model.io.ModelFile;
import byot.stream.model.io.ModelFormatException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pipeline on Kafka built into an environment of this process and started without waiting for it to end: the
 * one start sequence of every in-process run (tools' {@code LocalPipeline} for {@code byot demo}, {@code bench
 * pipeline} and {@code bench soak}; the integration tests' {@code PipelineTestKit}). It lives with the job rather
 * than with the tools because the job module's tests cannot depend on the tools module. {@link AdaptJob#run} builds
 * the same graph, but decides its starting model from the environment first and then blocks.
 *
 * @param parallelism default parallelism of the environment; 0 keeps Flink's
 */
public record PipelineLaunch(JobSettings settings, PipelineConfig pipeline, byte[] initialModel, int parallelism) {

    public PipelineLaunch {
        if (parallelism < 0) {
            throw new IllegalArgumentException("parallelism must be >= 0, got " + parallelism);
        }
    }

    /** The environment ({@link AdaptJob#environment}, then {@code extra}) with the job built in it, not yet executed. */
    public StreamExecutionEnvironment environment(Configuration extra) throws ModelFormatException {
        StreamExecutionEnvironment env = AdaptJob.environment(settings);
        env.configure(extra);
        if (parallelism > 0) {
            env.setParallelism(parallelism);
        }
        AdaptPipeline.build(env, KafkaPipelineEndpoints.of(settings, ModelFile.spec(initialModel)), pipeline,
                initialModel);
        return env;
    }

    /** Submits the job to a MiniCluster of this process (or the environment's cluster) and returns at once. */
    public JobClient start(String jobName, Configuration extra) throws Exception {
        return environment(extra).executeAsync(jobName);
    }
}
