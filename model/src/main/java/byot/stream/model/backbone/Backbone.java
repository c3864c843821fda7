package byot.stream.model.backbone;

import byot.stream.model.graph.FeatureMap;
import byot.stream.model.graph.LayerBuilder;
import byot.stream.model.spec.ModelSpec;

/**
 * A CNN cut into sections. A backbone only declares how each section transforms its input; the
 * multi-exit network adds the classifiers, the loss and early exit around it.
 */
public interface Backbone {

    int sections();

    /** Adds section {@code section} (0-based) to the graph; layer names must be unique and stable. */
    FeatureMap section(LayerBuilder layers, int section, FeatureMap input);

    static Backbone of(ModelSpec spec) {
        return switch (spec.architecture()) {
            case RESNET18, RESNET34, RESNET50, RESNET101, RESNET152 -> new ResNet(spec);
        };
    }
}
