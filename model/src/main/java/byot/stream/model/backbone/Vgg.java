package byot.stream.model.backbone;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.Layers;
import byot.stream.model.spec.ModelSpec;

/**
 * VGG with batch norm, CIFAR-style: five blocks of 3x3 conv+BN+ReLU layers at 64, 128, 256, 512 and 512
 * channels, each ending in a 2x2 max-pool, then (in the deepest classifier) global pooling and one dense
 * layer instead of ImageNet VGG's three (the common CIFAR VGG). VGG19 has 2, 2, 4, 4, 4 convolutions per block.
 *
 * <p>Four sections from five pooling stages: section 1 is blocks 1 and 2 (four convolutions, the cheap
 * full-resolution ones), sections 2-4 are blocks 3, 4 and 5, so every section ends at a pooling layer.
 * Pooling rounds odd sides up, so 28x28 inputs go 14, 7, 4, 2, 1 (32x32 ones 16, 8, 4, 2, 1).
 */
final class Vgg implements Backbone {

    private static final int[] CHANNELS = {64, 128, 256, 512, 512};
    /** Blocks that make up each section. */
    private static final int[][] SECTION_BLOCKS = {{0, 1}, {2}, {3}, {4}};

    private final ModelSpec spec;
    private final int[] convsPerBlock;

    Vgg(ModelSpec spec, int... convsPerBlock) {
        if (convsPerBlock.length != CHANNELS.length) {
            throw new IllegalArgumentException("VGG has " + CHANNELS.length + " blocks, got " + convsPerBlock.length);
        }
        this.spec = spec;
        this.convsPerBlock = convsPerBlock;
    }

    @Override
    public int sections() {
        return SECTION_BLOCKS.length;
    }

    @Override
    public FeatureMap section(Layers layers, int section, FeatureMap input) {
        FeatureMap x = input;
        for (int block : SECTION_BLOCKS[section]) {
            for (int c = 0; c < convsPerBlock[block]; c++) {
                x = layers.convBn("block" + (block + 1) + "/conv" + (c + 1), x, spec.scaled(CHANNELS[block]), 3, 1, true);
            }
            x = layers.maxPool(x);
        }
        return x;
    }
}
