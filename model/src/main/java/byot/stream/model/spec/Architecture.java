package byot.stream.model.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The backbones a {@link ModelSpec} can name. Each is cut into four sections; a shallow classifier
 * follows each of the first three and the deepest classifier follows the last.
 */
public enum Architecture {
    RESNET18(BlockKind.BASIC, 2, 2, 2, 2),
    RESNET34(BlockKind.BASIC, 3, 4, 6, 3),
    RESNET50(BlockKind.BOTTLENECK, 3, 4, 6, 3),
    RESNET101(BlockKind.BOTTLENECK, 3, 4, 23, 3),
    RESNET152(BlockKind.BOTTLENECK, 3, 8, 36, 3);

    /** Residual block shapes: two 3x3 convs, or 1x1-3x3-1x1 with a 4x wider output. */
    public enum BlockKind { BASIC, BOTTLENECK }

    private final BlockKind blockKind;
    private final int[] blocksPerSection;

    Architecture(BlockKind blockKind, int... blocksPerSection) {
        this.blockKind = blockKind;
        this.blocksPerSection = blocksPerSection;
    }

    public BlockKind blockKind() {
        return blockKind;
    }

    public int blocks(int section) {
        return blocksPerSection[section];
    }

    public int sections() {
        return blocksPerSection.length;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Architecture fromId(String id) {
        for (Architecture a : values()) {
            if (a.id().equalsIgnoreCase(id.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + id + "'; known: "
                + Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", ")));
    }
}
