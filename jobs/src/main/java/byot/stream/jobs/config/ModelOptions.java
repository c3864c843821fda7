package byot.stream.jobs.config;

import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.HeadDesign;
import byot.stream.model.spec.ModelSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The shape and seed of a fresh model, shared by the job (its model when no {@code --initial-model} is given),
 * {@code byot train}, {@code byot bench model} and the demo: declared here once.
 */
public final class ModelOptions {
    public static final JobOption<String> ARCH = JobOption.choice("arch", "resnet18", "Backbone of a fresh model",
            Arrays.stream(Architecture.values()).map(Architecture::id).toArray(String[]::new));
    public static final JobOption<Double> WIDTH_MULT = JobOption.number("width-mult", 0.25,
            "Channel width multiplier of a fresh model (0.25: ResNet18 at 16/32/64/128)").require(v -> v > 0, "above 0");
    public static final JobOption<String> HEADS = JobOption.choice("heads", HeadDesign.BOTTLENECK.id(),
            "Shallow exits' heads of a fresh model: bottleneck (the paper's stride-2 conv steps) or light (the first step,"
                    + " then average pooling and a 1x1 conv: cheaper early exit; docs/model.md#classifiers-exits)",
            Arrays.stream(HeadDesign.values()).map(HeadDesign::id).toArray(String[]::new));
    public static final JobOption<Long> SEED = JobOption.longInteger("seed", 0,
            "Seed of a fresh model's weights and of the run's sampling (replay, shuffling, augmentation)");

    private ModelOptions() {}

    public static Options declare(Options options) {
        return options.addAll(List.of(ARCH, WIDTH_MULT, HEADS, SEED));
    }

    /** The head design {@code c} names. */
    public static HeadDesign heads(ReadableConfig c) {
        return HeadDesign.fromId(HEADS.get(c).toLowerCase(Locale.ROOT));
    }

    /** The spec of a fresh Fashion-MNIST model as {@code c} describes it. */
    public static ModelSpec fashionMnistSpec(ReadableConfig c) {
        return ModelSpec.fashionMnist(Architecture.fromId(ARCH.get(c)), WIDTH_MULT.get(c)).withHeads(heads(c));
    }
}
