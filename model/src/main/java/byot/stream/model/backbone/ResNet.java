package byot.stream.model.backbone;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.Layers;
import byot.stream.model.spec.ModelSpec;

/**
 * ResNet with a CIFAR-style stem (one 3x3 convolution, no max-pool), as in the BYOT paper's CIFAR
 * experiments. Section s holds residual stage s; stages 2-4 halve the resolution.
 */
final class ResNet implements Backbone {

    private static final int[] PLANES = {64, 128, 256, 512};
    private static final int BOTTLENECK_EXPANSION = 4;

    private final ModelSpec spec;
    private final boolean bottleneck;
    private final int[] blocksPerStage;

    private ResNet(ModelSpec spec, boolean bottleneck, int... blocksPerStage) {
        this.spec = spec;
        this.bottleneck = bottleneck;
        this.blocksPerStage = blocksPerStage;
    }

    /** Two 3x3 convolutions per block (ResNet18/34). */
    static ResNet basic(ModelSpec spec, int... blocksPerStage) {
        return new ResNet(spec, false, blocksPerStage);
    }

    /** 1x1-3x3-1x1 blocks with a 4x wider output (ResNet50/101/152). */
    static ResNet bottleneck(ModelSpec spec, int... blocksPerStage) {
        return new ResNet(spec, true, blocksPerStage);
    }

    @Override
    public int sections() {
        return blocksPerStage.length;
    }

    @Override
    public FeatureMap section(Layers layers, int section, FeatureMap input) {
        FeatureMap x = input;
        if (section == 0) {
            x = layers.convBn("stem", x, spec.scaled(PLANES[0]), 3, 1, true);
        }
        int planes = spec.scaled(PLANES[section]);
        for (int b = 0; b < blocksPerStage[section]; b++) {
            int stride = (b == 0 && section > 0) ? 2 : 1;
            String name = "section" + (section + 1) + "/block" + (b + 1);
            x = bottleneck
                    ? bottleneckBlock(layers, name, x, planes, stride)
                    : basicBlock(layers, name, x, planes, stride);
        }
        return x;
    }

    private FeatureMap basicBlock(Layers layers, String name, FeatureMap x, int planes, int stride) {
        FeatureMap y = layers.convBn(name + "/conv1", x, planes, 3, stride, true);
        y = layers.convBn(name + "/conv2", y, planes, 3, 1, false);
        return layers.relu(layers.add(y, shortcut(layers, name, x, planes, stride)));
    }

    private FeatureMap bottleneckBlock(Layers layers, String name, FeatureMap x, int planes, int stride) {
        int out = planes * BOTTLENECK_EXPANSION;
        FeatureMap y = layers.convBn(name + "/conv1", x, planes, 1, 1, true);
        y = layers.convBn(name + "/conv2", y, planes, 3, stride, true);
        y = layers.convBn(name + "/conv3", y, out, 1, 1, false);
        return layers.relu(layers.add(y, shortcut(layers, name, x, out, stride)));
    }

    /** Identity when shapes agree, else a 1x1 projection with batch norm (ResNet option B). */
    static FeatureMap shortcut(Layers layers, String name, FeatureMap x, int out, int stride) {
        if (stride == 1 && x.channels() == out) {
            return x;
        }
        return layers.convBn(name + "/shortcut", x, out, 1, stride, false);
    }
}
