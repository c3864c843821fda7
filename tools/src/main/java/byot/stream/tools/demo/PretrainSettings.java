package byot.stream.tools.demo;

import byot.stream.jobs.config.ModelOptions;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.model.spec.Architecture;
import java.util.Locale;
import org.apache.flink.configuration.Configuration;

/**
 * How the demo pre-trains its model, and the name of the file that caches the result: every setting that changes the
 * weights is in the name, so changing one trains anew instead of reusing a model trained another way.
 *
 * <p>Pre-training reads the first {@code images} images of the Fashion-MNIST train split. The train images from
 * {@value #HELD_OUT_FROM} on are never pre-trained on (nor streamed): the report measures forgetting on them. The
 * stream replays the test split, so it does not overlap the pre-training data either.
 *
 * @param recipe the fixed parts of the recipe (schedule, augmentation, loss); bump it when they change
 */
record PretrainSettings(Architecture arch, double widthMult, int images, int epochs, int batchSize, double learningRate,
                        long seed, String recipe) {

    /**
     * Cosine learning-rate schedule, SGD momentum 0.9, weight decay 5e-4, BYOT loss, no augmentation: a 2-epoch run
     * underfits rather than overfits, and random crops only make it harder (deepest exit on the test split: 91.37%
     * without crops on 55,000 images, 89.64% with 2-pixel crops on 50,000; see README.md).
     */
    static final String RECIPE = "cos-nocrop-byot";
    /** Train images {@code [HELD_OUT_FROM, 60,000)}, the last 5,000, are held out of pre-training. */
    static final int HELD_OUT_FROM = 55_000;

    PretrainSettings {
        if (epochs <= 0 || batchSize <= 0 || !(learningRate > 0)) {
            throw new UsageException("--pretrain-epochs, --pretrain-batch-size and --pretrain-lr must be > 0, got "
                    + epochs + ", " + batchSize + ", " + learningRate);
        }
        if (images < batchSize || images > HELD_OUT_FROM) {
            throw new UsageException("--pretrain-images must be between the batch size (" + batchSize + ") and " + HELD_OUT_FROM
                    + " (the train images after it are held out), got " + images);
        }
    }

    static PretrainSettings from(Parsed args) {
        Configuration model = args.configuration();
        return new PretrainSettings(Architecture.fromId(ModelOptions.ARCH.get(model)), ModelOptions.WIDTH_MULT.get(model),
                args.getInt("pretrain-images"), args.getInt("pretrain-epochs"), args.getInt("pretrain-batch-size"),
                args.getDouble("pretrain-lr"), args.getLong("pretrain-seed"), RECIPE);
    }

    /** File name of the cached model, e.g. {@code pretrained-resnet18-x0.25-55000i-2e-b128-lr0.1-cos-nocrop-byot-s0.byot}. */
    String cacheFileName() {
        return String.format(Locale.ROOT, "pretrained-%s-x%s-%di-%de-b%d-lr%s-%s-s%d.byot", arch.id(), plain(widthMult),
                images, epochs, batchSize, plain(learningRate), recipe, seed);
    }

    private static String plain(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
