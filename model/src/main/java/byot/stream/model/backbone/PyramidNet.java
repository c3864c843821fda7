package byot.stream.model.backbone;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.Layers;
import byot.stream.model.spec.ModelSpec;

/**
 * Additive PyramidNet with bottleneck blocks (Han, Kim and Kim, 2017), as in the authors' PyTorch code: a
 * 3x3 stem of 16 channels with BN (no ReLU), then three groups of n = (d - 2) / 9 pyramidal bottleneck
 * blocks. The bottleneck width grows by alpha / 3n at every block (rounded half to even, as Python's
 * round), and each block outputs 4x its width: BN, 1x1 conv, BN-ReLU, 3x3 conv (stride 2 at the first
 * block of groups 2 and 3), BN-ReLU, 1x1 conv, BN. The shortcut has no weights: 2x2 average pooling where
 * the block downsamples, then zero channels appended up to the block's width. A final BN-ReLU precedes
 * pooling. PyramidNet-101 (alpha 240) has 11 blocks per group and ends at 4 x 256 = 1024 channels.
 *
 * <p>Four sections from three groups, cut as {@link WideResNet} is: section 1 is the stem and the first
 * ceil(n/2) blocks of group 1, section 2 the rest of group 1, sections 3 and 4 groups 2 and 3.
 *
 * <p>The width multiplier scales every block's width (the additive rule is applied at full width first, so
 * a narrow PyramidNet widens in the same proportions).
 */
final class PyramidNet implements Backbone {

    private static final int STEM = 16;
    private static final int EXPANSION = 4;

    private final ModelSpec spec;
    private final int blocksPerGroup;
    private final double alpha;

    PyramidNet(ModelSpec spec, int depth, double alpha) {
        this.blocksPerGroup = (depth - 2) / 9;
        if (blocksPerGroup < 2 || (depth - 2) % 9 != 0) {
            throw new IllegalArgumentException("bottleneck PyramidNet depth must be 9n+2 with n >= 2, got " + depth);
        }
        this.spec = spec;
        this.alpha = alpha;
    }

    @Override
    public int sections() {
        return ThreeGroupCut.SECTIONS;
    }

    @Override
    public FeatureMap section(Layers layers, int section, FeatureMap input) {
        FeatureMap x = input;
        ThreeGroupCut cut = ThreeGroupCut.of(section, blocksPerGroup);
        int group = cut.group();
        if (section == 0) {
            x = layers.convBn("stem", x, spec.scaled(STEM), 3, 1, false);
        }
        for (int b = cut.from(); b < cut.to(); b++) {
            int index = group * blocksPerGroup + b + 1;
            int stride = cut.stride(b);
            x = block(layers, "group" + (group + 1) + "/block" + (b + 1), x, width(index), stride);
        }
        if (section == 3) {
            x = layers.batchNorm("final", x, true);
        }
        return x;
    }

    /** Bottleneck width of the index-th block (1-based, counted over all groups), after width scaling. */
    private int width(int index) {
        double fullWidth = STEM + alpha * index / (3.0 * blocksPerGroup);
        return spec.scaled((int) Math.rint(fullWidth));
    }

    private FeatureMap block(Layers layers, String name, FeatureMap x, int width, int stride) {
        int out = width * EXPANSION;
        FeatureMap y = layers.batchNorm(name + "/bn1", x, false);
        y = layers.convBn(name + "/conv1", y, width, 1, 1, true);
        y = layers.convBn(name + "/conv2", y, width, 3, stride, true);
        y = layers.convBn(name + "/conv3", y, out, 1, 1, false);
        FeatureMap shortcut = stride == 2 ? layers.avgPool(x) : x;
        return layers.add(y, layers.padChannels(shortcut, out));
    }
}
