package byot.stream.model.spec;

/**
 * Everything needed to rebuild a multi-exit network: backbone, input, classes, width, and the pixel
 * normalisation applied before the first layer (so a model file carries its own preprocessing).
 *
 * @param widthMultiplier scales every channel count; 0.25 turns ResNet18's 64/128/256/512 into 16/32/64/128
 * @param dropout         rate at which wide residual blocks drop activations between their convolutions while
 *                        training (0: none); only wide residual networks have it, and inference ignores it
 * @param heads           how the shallow exits' heads reach the deepest map's shape (null: the paper's bottleneck)
 */
public record ModelSpec(Architecture architecture, InputShape input, int numClasses, double widthMultiplier,
                        float pixelMean, float pixelStd, double dropout, HeadDesign heads) {

    /** Fashion-MNIST's pixel statistics on [0,1]. */
    public static final float FASHION_MEAN = 0.2860f;
    public static final float FASHION_STD = 0.3530f;

    public ModelSpec {
        if (heads == null) {
            heads = HeadDesign.BOTTLENECK;
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
        }
        if (!(widthMultiplier > 0) || widthMultiplier > 8) {
            throw new IllegalArgumentException("width multiplier must be in (0, 8], got " + widthMultiplier);
        }
        if (!(pixelStd > 0)) {
            throw new IllegalArgumentException("pixel std must be positive, got " + pixelStd);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (dropout > 0 && !architecture.supportsDropout()) {
            throw new IllegalArgumentException(architecture.id() + " has no dropout; only wide residual networks (wrn*) do");
        }
    }

    /** A spec with the paper's bottleneck heads. */
    public ModelSpec(Architecture architecture, InputShape input, int numClasses, double widthMultiplier,
                     float pixelMean, float pixelStd, double dropout) {
        this(architecture, input, numClasses, widthMultiplier, pixelMean, pixelStd, dropout, HeadDesign.BOTTLENECK);
    }

    /** A spec without dropout, with the paper's bottleneck heads. */
    public ModelSpec(Architecture architecture, InputShape input, int numClasses, double widthMultiplier,
                     float pixelMean, float pixelStd) {
        this(architecture, input, numClasses, widthMultiplier, pixelMean, pixelStd, 0);
    }

    public static ModelSpec fashionMnist(Architecture architecture, double widthMultiplier) {
        return new ModelSpec(architecture, new InputShape(1, 28, 28), 10, widthMultiplier, FASHION_MEAN, FASHION_STD);
    }

    /** This spec with other shallow heads. */
    public ModelSpec withHeads(HeadDesign design) {
        return new ModelSpec(architecture, input, numClasses, widthMultiplier, pixelMean, pixelStd, dropout, design);
    }

    public int sections() {
        return architecture.sections();
    }

    /** Channel count after scaling, never below 4 so that tiny test models stay valid. */
    public int scaled(int channels) {
        return Math.max(4, (int) Math.round(channels * widthMultiplier));
    }

    /** A short human-readable summary, e.g. "resnet18 x0.25 1x28x28 -> 10". */
    public String summary() {
        return architecture.id() + " x" + widthMultiplier + " " + input + " -> " + numClasses
                + (dropout > 0 ? " dropout " + dropout : "") + (heads != HeadDesign.BOTTLENECK ? " " + heads.id() + " heads" : "");
    }
}
