package byot.stream.jobs.config;

import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import java.util.Locale;

/**
 * The self-distillation loss weights, shared by offline training ({@code byot train}) and the streaming
 * fine-tuner ({@code byot run}): declared here once, with the defaults of {@link DistillationConfig#defaults}, so the
 * two cannot drift apart. Ranges are checked where the values are used, by {@link DistillationConfig}.
 */
public final class DistillationOptions {
    private static final DistillationConfig DEFAULTS = DistillationConfig.defaults(TrainingMode.BYOT);

    private DistillationOptions() {}

    public static Options declare(Options options) {
        return options
                .add("alpha", number(DEFAULTS.alpha()), "Weight of the KL term (against the deepest exit) for shallow exits, in [0, 1]")
                .add("lambda", number(DEFAULTS.hintWeight()), "Weight of the L2 feature hint for shallow exits")
                .add("temperature", number(DEFAULTS.temperature()), "Softmax temperature of the KL term");
    }

    /** The loss of {@code mode} with the parsed weights; {@code warmupSteps} ramps alpha and lambda from 0. */
    public static DistillationConfig config(Parsed args, TrainingMode mode, int warmupSteps) {
        return new DistillationConfig(mode, args.getDouble("alpha"), args.getDouble("lambda"), args.getDouble("temperature"),
                warmupSteps);
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%s", value).replaceAll("\\.0$", "");
    }
}
