package byot.stream.model.engine;

import byot.stream.model.onednn.OneDnn;
import java.util.Locale;

/**
 * Which kernels compute a kind of the eager engine's layers.
 * <ul>
 *   <li>{@link #DNNL} (the default): oneDNN primitives made once per layer and batch size ({@link DnnlConvolution},
 *       {@link DnnlBatchNorm}); where oneDNN does not load, or on a non-CPU backend, ND4J's;</li>
 *   <li>{@link #ND4J}: libnd4j's conv2d and conv2d_bp (which rebuild their oneDNN primitive and reorder the weights
 *       and their gradient on every call), batch norm written with ND4J's ops.</li>
 * </ul>
 * The system properties {@value #CONVOLUTIONS} and {@value #BATCH_NORM} ({@code dnnl} or {@code nd4j}) set them
 * for steps made without an explicit choice, each on its own so that either can be compared alone. Grouped
 * convolutions always run on ND4J's kernels.
 */
enum Kernels {
    DNNL, ND4J;

    static final String CONVOLUTIONS = "byot.train.conv";
    static final String BATCH_NORM = "byot.train.bn";

    static Kernels fromSystemProperty(String property) {
        String id = System.getProperty(property, "dnnl");
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown -D" + property + " '" + id + "'; known: dnnl, nd4j");
        }
    }

    /** oneDNN for this choice on the current backend, or {@code null} for ND4J's kernels. */
    OneDnn open(String what) {
        return this == DNNL ? OneDnn.openOrNull("the eager engine's " + what) : null;
    }
}
