package byot.stream.model.spec;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a shallow exit brings its section's feature map to the deepest map's shape before global pooling and the
 * dense layer (the shape the hint compares). Both designs share their first layer and end on a map of the deepest
 * section's shape; they differ in what halves the resolution after that first layer.
 */
public enum HeadDesign {
    /**
     * The paper's bottleneck: a stride-2 3x3 conv+BN+ReLU per halving, each taking the channel count of the backbone
     * section at its resolution (a 1x1 to the deepest channels where they still differ). On ResNet18 x0.25 exit 1's
     * head costs 3.0 M multiply-accumulates, 41 % of section 1's.
     */
    BOTTLENECK("bottleneck"),
    /**
     * A lighter head for early exit on a CPU: the bottleneck's first step, then 2x2 average pooling down to the
     * deepest resolution and one 1x1 conv+BN+ReLU to the deepest channels. The later halvings cost no
     * multiply-accumulates (ResNet18 x0.25 exit 1: 1.0 M instead of 3.0 M), so a sample leaving at a shallow exit
     * pays less for the head it leaves by.
     */
    LIGHT("light");

    private final String id;

    HeadDesign(String id) {
        this.id = id;
    }

    /** The name used on the command line and in model files. */
    public String id() {
        return id;
    }

    public static HeadDesign fromId(String id) {
        for (HeadDesign d : values()) {
            if (d.id.equals(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown head design '" + id + "'; known: "
                + Arrays.stream(values()).map(HeadDesign::id).collect(Collectors.joining(", ")));
    }
}
