package byot.stream.model.backbone;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.LayerBuilder;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;

/**
 * ResNet with a CIFAR-style stem (one 3x3 convolution, no max-pool), as in the BYOT paper's CIFAR
 * experiments. Section s holds residual stage s; stages 2-4 halve the resolution.
 */
final class ResNet implements Backbone {

    private static final int[] PLANES = {64, 128, 256, 512};
    private static final int BOTTLENECK_EXPANSION = 4;

    private final ModelSpec spec;
    private final Architecture arch;

    ResNet(ModelSpec spec) {
        this.spec = spec;
        this.arch = spec.architecture();
    }

    @Override
    public int sections() {
        return arch.sections();
    }

    @Override
    public FeatureMap section(LayerBuilder layers, int section, FeatureMap input) {
        FeatureMap x = input;
        if (section == 0) {
            x = layers.convBn("stem", x, spec.scaled(PLANES[0]), 3, 1, true);
        }
        int planes = spec.scaled(PLANES[section]);
        for (int b = 0; b < arch.blocks(section); b++) {
            int stride = (b == 0 && section > 0) ? 2 : 1;
            String name = "section" + (section + 1) + "/block" + (b + 1);
            x = arch.blockKind() == Architecture.BlockKind.BASIC
                    ? basicBlock(layers, name, x, planes, stride)
                    : bottleneckBlock(layers, name, x, planes, stride);
        }
        return x;
    }

    private FeatureMap basicBlock(LayerBuilder layers, String name, FeatureMap x, int planes, int stride) {
        FeatureMap y = layers.convBn(name + "/conv1", x, planes, 3, stride, true);
        y = layers.convBn(name + "/conv2", y, planes, 3, 1, false);
        return layers.relu(layers.add(y, shortcut(layers, name, x, planes, stride)));
    }

    private FeatureMap bottleneckBlock(LayerBuilder layers, String name, FeatureMap x, int planes, int stride) {
        int out = planes * BOTTLENECK_EXPANSION;
        FeatureMap y = layers.convBn(name + "/conv1", x, planes, 1, 1, true);
        y = layers.convBn(name + "/conv2", y, planes, 3, stride, true);
        y = layers.convBn(name + "/conv3", y, out, 1, 1, false);
        return layers.relu(layers.add(y, shortcut(layers, name, x, out, stride)));
    }

    /** Identity when shapes agree, else a 1x1 projection with batch norm (ResNet option B). */
    private static FeatureMap shortcut(LayerBuilder layers, String name, FeatureMap x, int out, int stride) {
        if (stride == 1 && x.channels() == out) {
            return x;
        }
        return layers.convBn(name + "/shortcut", x, out, 1, stride, false);
    }
}
