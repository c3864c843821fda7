package byot.stream.jobs.adapt;

import byot.stream.jobs.cli.Parsed;
import byot.stream.jobs.cli.UsageException;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pipeline as a Flink program: {@code main} is the entry point of the job jar under {@code flink run},
 * and {@code byot run} calls the same code in a local MiniCluster.
 */
public final class AdaptJob {

    private AdaptJob() {
    }

    /** Entry point under {@code flink run}: no System.exit, which would take the JobManager down in application mode. */
    public static void main(String[] args) throws Exception {
        int code = byot.stream.jobs.cli.Byot.run(prepend("run", args), System.out, System.err);
        if (code != 0) {
            throw new IllegalStateException("byot run exited with code " + code + " (see the message above)");
        }
    }

    /** The model the job starts from: {@code --initial-model}, else a fresh one from {@code --arch}. */
    public static byte[] initialModel(Parsed a) throws IOException {
        if (a.has("initial-model")) {
            MultiExitModel model = ModelFile.load(Path.of(a.get("initial-model")));
            // Serving or fine-tuning NaN weights would answer nothing sensible; say so before anything starts.
            if (model.parameters().firstNonFinite().isPresent()) {
                throw new UsageException("--initial-model " + a.get("initial-model") + ": tensor "
                        + model.parameters().firstNonFinite().get() + " holds NaN or infinite values");
            }
            return ModelFile.toBytes(model, false);
        }
        ModelSpec spec = ModelSpec.fashionMnist(Architecture.fromId(a.get("arch")), a.getDouble("width-mult"));
        return ModelFile.toBytes(MultiExitModel.create(spec, a.getLong("seed")), false);
    }

    /** An environment with file-system checkpoints: multi-MB model state exceeds the in-memory storage limit. */
    public static StreamExecutionEnvironment environment(JobSettings s) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, s.checkpointInterval());
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, s.checkpointDir());
        conf.set(org.apache.flink.configuration.ExecutionOptions.BUFFER_TIMEOUT, s.bufferTimeout());
        return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
