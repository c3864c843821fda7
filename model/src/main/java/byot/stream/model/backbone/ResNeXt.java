package byot.stream.model.backbone;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.Layers;
import byot.stream.model.spec.ModelSpec;

/**
 * ResNeXt for CIFAR (Xie et al., 2017, section 5.3): a 3x3 stem of 64 channels, then three stages of
 * (d - 2) / 9 aggregated bottleneck blocks, each 1x1 conv to a width of C x w (cardinality C, w channels per
 * group; w doubles per stage), a grouped 3x3 conv with C groups, and a 1x1 conv to 256, 512 or 1024 output
 * channels; post-activation like ResNet, with 1x1 projection shortcuts where the shape changes. Stages 2
 * and 3 start with stride 2. ResNeXt-29 (8x64d) has 3 blocks per stage and widths 512, 1024, 2048.
 *
 * <p>Four sections from three stages, cut as {@link WideResNet} is and for the same reasons: section 1 is
 * the stem and the first ceil(n/2) blocks of stage 1, section 2 the rest of stage 1, sections 3 and 4
 * stages 2 and 3.
 *
 * <p>The width multiplier scales channels per group and output channels; the cardinality stays.
 */
final class ResNeXt implements Backbone {

    private static final int STEM = 64;
    private static final int[] OUT_CHANNELS = {256, 512, 1024};

    private final ModelSpec spec;
    private final int blocksPerStage;
    private final int cardinality;
    private final int groupWidth;

    ResNeXt(ModelSpec spec, int depth, int cardinality, int groupWidth) {
        this.blocksPerStage = (depth - 2) / 9;
        if (blocksPerStage < 2 || (depth - 2) % 9 != 0) {
            throw new IllegalArgumentException("ResNeXt depth must be 9n+2 with n >= 2, got " + depth);
        }
        this.spec = spec;
        this.cardinality = cardinality;
        this.groupWidth = groupWidth;
    }

    @Override
    public int sections() {
        return ThreeGroupCut.SECTIONS;
    }

    @Override
    public FeatureMap section(Layers layers, int section, FeatureMap input) {
        FeatureMap x = input;
        ThreeGroupCut cut = ThreeGroupCut.of(section, blocksPerStage);
        int stage = cut.group();
        if (section == 0) {
            x = layers.convBn("stem", x, spec.scaled(STEM), 3, 1, true);
        }
        int width = cardinality * Math.max(1, (int) Math.round(groupWidth * spec.widthMultiplier())) << stage;
        int out = spec.scaled(OUT_CHANNELS[stage]);
        for (int b = cut.from(); b < cut.to(); b++) {
            int stride = cut.stride(b);
            String name = "stage" + (stage + 1) + "/block" + (b + 1);
            FeatureMap y = layers.convBn(name + "/reduce", x, width, 1, 1, true);
            y = layers.convBn(name + "/grouped", y, width, 3, stride, cardinality, true);
            y = layers.convBn(name + "/expand", y, out, 1, 1, false);
            x = layers.relu(layers.add(y, ResNet.shortcut(layers, name, x, out, stride)));
        }
        return x;
    }
}
