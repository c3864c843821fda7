package byot.stream.model.backbone;

import byot.stream.model.network.BackboneCount;
import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.Layers;
import byot.stream.model.spec.ModelSpec;

/**
 * A CNN cut into sections. A backbone only declares how each section transforms its input, in the
 * {@link Layers} vocabulary; the multi-exit network adds the classifiers, the loss and early exit around
 * it, and {@code graph.BackboneCount} sizes it from the same description.
 */
public interface Backbone {

    int sections();

    /** Adds section {@code section} (0-based) to the graph; layer names must be unique and stable. */
    FeatureMap section(Layers layers, int section, FeatureMap input);

    /** The backbone a spec names, with the depths and widths of its preset. */
    static Backbone of(ModelSpec spec) {
        return switch (spec.architecture()) {
            case RESNET18 -> ResNet.basic(spec, 2, 2, 2, 2);
            case RESNET34 -> ResNet.basic(spec, 3, 4, 6, 3);
            case RESNET50 -> ResNet.bottleneck(spec, 3, 4, 6, 3);
            case RESNET101 -> ResNet.bottleneck(spec, 3, 4, 23, 3);
            case RESNET152 -> ResNet.bottleneck(spec, 3, 8, 36, 3);
            case VGG19_BN -> new Vgg(spec, 2, 2, 4, 4, 4);
            case WRN20_8 -> new WideResNet(spec, 20, 8);
            case WRN44_8 -> new WideResNet(spec, 44, 8);
            case WRN28_12 -> new WideResNet(spec, 28, 12);
            case RESNEXT29_8 -> new ResNeXt(spec, 29, 8, 64);
            case PYRAMIDNET101_240 -> new PyramidNet(spec, 101, 240);
        };
    }
}
