package byot.stream.model.backbone;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.Layers;
import byot.stream.model.spec.ModelSpec;

/**
 * Wide residual network WRN-d-k (Zagoruyko and Komodakis, 2016): a 3x3 stem of 16 channels, then three
 * groups of n pre-activation wide basic blocks (BN-ReLU-conv3x3-BN-ReLU-dropout-conv3x3) at 16k, 32k and
 * 64k channels, groups 2 and 3 starting with stride 2, and a final BN-ReLU before pooling. A block whose
 * shape changes projects its shortcut with a 1x1 convolution of the pre-activated input.
 *
 * <p>n = (d - 4) / 6 rounded down, which is what WRN code computes when its "depth must be 6n+4" check is
 * left out: WRN-20-8 has the blocks of WRN-16-8 (n = 2), WRN-44-8 those of WRN-40-8 (n = 6), WRN-28-12 n = 4.
 *
 * <p>Four sections from three groups: group 1 is split in two (section 1 = stem and the first ceil(n/2)
 * blocks, section 2 = the rest of group 1), then section 3 = group 2 and section 4 = group 3. Every group
 * costs about the same MACs, so the exits sit at about 1/6, 1/3, 2/3 and all of the backbone's cost, and
 * the two shallowest exits' bottlenecks start from the narrowest width. Splitting group 3 instead would put
 * exits 3 and 4 at the same resolution and give exit 3 a 3x3 convolution at the widest width in its
 * bottleneck (5.3M weights for WRN-28-12), for an exit that saves little.
 */
final class WideResNet implements Backbone {

    private static final int STEM = 16;
    private static final int[] GROUP_CHANNELS = {16, 32, 64};

    private final ModelSpec spec;
    private final int blocksPerGroup;
    private final int widen;

    WideResNet(ModelSpec spec, int depth, int widen) {
        this.blocksPerGroup = (depth - 4) / 6;
        if (blocksPerGroup < 2) {
            throw new IllegalArgumentException("WRN depth must be at least 16 to fill four sections, got " + depth);
        }
        this.spec = spec;
        this.widen = widen;
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
            x = layers.conv("stem", x, spec.scaled(STEM), 3, 1);
        }
        int channels = spec.scaled(GROUP_CHANNELS[group] * widen);
        for (int b = cut.from(); b < cut.to(); b++) {
            int stride = cut.stride(b);
            x = block(layers, "group" + (group + 1) + "/block" + (b + 1), x, channels, stride);
        }
        if (section == 3) {
            x = layers.batchNorm("final", x, true);
        }
        return x;
    }

    private FeatureMap block(Layers layers, String name, FeatureMap x, int channels, int stride) {
        FeatureMap activated = layers.batchNorm(name + "/bn1", x, true);
        FeatureMap y = layers.convBn(name + "/conv1", activated, channels, 3, stride, true);
        y = layers.dropout(y, spec.dropout());
        y = layers.conv(name + "/conv2", y, channels, 3, 1);
        FeatureMap shortcut = stride == 1 && x.channels() == channels
                ? x
                : layers.conv(name + "/shortcut", activated, channels, 1, stride);
        return layers.add(y, shortcut);
    }
}
