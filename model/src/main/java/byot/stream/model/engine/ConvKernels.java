package byot.stream.model.engine;

import byot.stream.model.onednn.OneDnn;
import java.util.Locale;

/**
 * Which kernels compute the eager engine's ungrouped convolutions.
 * <ul>
 *   <li>{@link #DNNL} (the default): oneDNN primitives made once per layer and batch size ({@link DnnlConvolution});
 *       where oneDNN does not load, or on a non-CPU backend, ND4J's;</li>
 *   <li>{@link #ND4J}: libnd4j's conv2d and conv2d_bp, which rebuild their oneDNN primitive and reorder the weights
 *       and their gradient on every call.</li>
 * </ul>
 * The system property {@value #PROPERTY} ({@code dnnl} or {@code nd4j}) sets it for steps made without an
 * explicit choice. Grouped convolutions always run on ND4J's kernels.
 */
enum ConvKernels {
    DNNL, ND4J;

    static final String PROPERTY = "byot.train.conv";

    static ConvKernels fromSystemProperty() {
        String id = System.getProperty(PROPERTY, "dnnl");
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown -D" + PROPERTY + " '" + id + "'; known: dnnl, nd4j");
        }
    }

    /** oneDNN for this choice on the current backend, or {@code null} for ND4J's kernels. */
    OneDnn open() {
        return this == DNNL ? OneDnn.openOrNull("the eager engine's convolutions") : null;
    }
}
