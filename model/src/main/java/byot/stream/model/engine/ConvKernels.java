package byot.stream.model.engine;

import java.util.Locale;
import org.nd4j.linalg.factory.Nd4j;

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
        // ND4J's backend loads first (asking it about the backend does that): its libgomp is then the OpenMP
        // runtime oneDNN links against too, and JavaCPP skips the presets' copy, so OMP_NUM_THREADS bounds one
        // thread pool for both instead of two pools of that size.
        return this == DNNL && Nd4j.getEnvironment().isCPU() ? OneDnn.openOrNull() : null;
    }
}
