package byot.stream.jobs.config;

import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import java.util.List;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The self-distillation loss weights, shared by offline training ({@code byot train}) and the streaming
 * fine-tuner ({@code byot run}): declared here once, with the defaults of {@link DistillationConfig#defaults}, so the
 * two cannot drift apart. {@link DistillationConfig} checks the combination where the values are used.
 */
public final class DistillationOptions {
    private static final DistillationConfig DEFAULTS = DistillationConfig.defaults(TrainingMode.BYOT);

    public static final JobOption<Double> ALPHA = JobOption.number("alpha", DEFAULTS.alpha(),
            "Weight of the KL term (against the deepest exit) for shallow exits").require(v -> v >= 0 && v <= 1, "in [0, 1]");
    public static final JobOption<Double> LAMBDA = JobOption.number("lambda", DEFAULTS.hintWeight(),
            "Weight of the L2 feature hint for shallow exits").require(v -> v >= 0, "at least 0");
    public static final JobOption<Double> TEMPERATURE = JobOption.number("temperature", DEFAULTS.temperature(),
            "Softmax temperature of the KL term").require(v -> v > 0, "above 0");

    private DistillationOptions() {}

    public static Options declare(Options options) {
        return options.addAll(List.of(ALPHA, LAMBDA, TEMPERATURE));
    }

    /** The loss of {@code mode} with the configured weights; {@code warmupSteps} ramps alpha and lambda from 0. */
    public static DistillationConfig config(ReadableConfig config, TrainingMode mode, int warmupSteps) {
        return new DistillationConfig(mode, ALPHA.get(config), LAMBDA.get(config), TEMPERATURE.get(config), warmupSteps);
    }

    /** As above, from a command's parsed flags. */
    public static DistillationConfig config(Parsed args, TrainingMode mode, int warmupSteps) {
        return config(args.configuration(), mode, warmupSteps);
    }
}
