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
    public static final JobOption<String> TEACHER = JobOption.choice("distill-teacher", DEFAULTS.teacher().id(),
            "Teacher of the KL term in byot mode: deepest (the paper's: the deepest exit teaches the shallow ones) or"
                    + " ensemble (the mean of every exit's softened output teaches every exit)",
            "deepest", "ensemble");
    /** Offline training only: the fine-tuner starts from a trained model, whose teacher is no longer noise. */
    public static final JobOption<Integer> WARMUP_STEPS = JobOption.integer("warmup-steps", 0,
            "Ramp alpha and lambda from 0 over this many steps").require(v -> v >= 0, "at least 0");

    private DistillationOptions() {}

    public static Options declare(Options options) {
        return options.addAll(List.of(ALPHA, LAMBDA, TEMPERATURE, TEACHER));
    }

    /** The loss of {@code mode} with the configured weights; {@code warmupSteps} ramps alpha and lambda from 0. */
    public static DistillationConfig config(ReadableConfig config, TrainingMode mode, int warmupSteps) {
        return new DistillationConfig(mode, ALPHA.get(config), LAMBDA.get(config), TEMPERATURE.get(config), warmupSteps,
                DistillationConfig.Teacher.fromId(TEACHER.get(config)));
    }

    /** As above, from the parsed flags of an offline command that declared {@link #WARMUP_STEPS} too. */
    public static DistillationConfig config(Parsed args, TrainingMode mode) {
        return config(args.configuration(), mode, WARMUP_STEPS.get(args.configuration()));
    }
}
