package byot.stream.model.spec;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The backbones a {@link ModelSpec} can name, each under the id the command line and model files use.
 * Every one is cut into four sections; a shallow classifier follows each of the first three and the
 * deepest classifier follows the last. The ten networks of the BYOT paper's CIFAR-100 table are here
 * (ResNet34 too); {@code backbone.Backbone#of} holds their depths and widths, docs/model.md how each is cut.
 */
public enum Architecture {
    RESNET18("resnet18"),
    RESNET34("resnet34"),
    RESNET50("resnet50"),
    RESNET101("resnet101"),
    RESNET152("resnet152"),
    VGG19_BN("vgg19bn"),
    WRN20_8("wrn20-8"),
    WRN44_8("wrn44-8"),
    WRN28_12("wrn28-12"),
    RESNEXT29_8("resnext29-8"),
    PYRAMIDNET101_240("pyramidnet101-240");

    private static final int SECTIONS = 4;

    private final String id;

    Architecture(String id) {
        this.id = id;
    }

    public int sections() {
        return SECTIONS;
    }

    public String id() {
        return id;
    }

    /** Whether blocks of this backbone can drop activations while training (wide residual networks). */
    public boolean supportsDropout() {
        return this == WRN20_8 || this == WRN44_8 || this == WRN28_12;
    }

    public static Architecture fromId(String id) {
        String wanted = id.trim();
        for (Architecture a : values()) {
            if (a.id.equalsIgnoreCase(wanted) || a.id.replace("-", "").equalsIgnoreCase(wanted.replace("-", ""))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + id + "'; known: "
                + Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", ")));
    }
}
