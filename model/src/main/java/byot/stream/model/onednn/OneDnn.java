package byot.stream.model.onednn;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * oneDNN's CPU engine and an execution stream, from the JavaCPP presets (a oneDNN of its own, beside the
 * copy inside ND4J's native library, which ND4J does not expose). A stream is not thread-safe: whoever runs
 * primitives on several threads makes a stream per thread from {@link #cpu}, which is.
 */
public final class OneDnn {

    private static final Logger LOG = LoggerFactory.getLogger(OneDnn.class);

    public final engine cpu;
    public final stream stream;

    private OneDnn() {
        Loader.load(dnnl.class);
        this.cpu = new engine(engine.kind.cpu, 0);
        this.stream = new stream(cpu);
    }

    /**
     * Whether a primitive can read and write {@code a} where it lies: a dense C-order float array that starts its
     * buffer (a memory is bound to the buffer's address, and oneDNN walks it as dense).
     */
    public static boolean readsInPlace(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.offset() == 0 && !a.isView();
    }

    /** A description of float32 memory of these dimensions, in this layout. */
    public static memory.desc f32(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    /**
     * oneDNN's CPU engine on ND4J's CPU backend, or {@code null} (logged, naming {@code whatFallsBack}) on
     * another backend or where its native library does not load.
     */
    public static OneDnn openOrNull(String whatFallsBack) {
        // ND4J's backend loads first (asking it about the backend does that): its libgomp is then the OpenMP
        // runtime oneDNN links against too, and JavaCPP skips the presets' copy, so OMP_NUM_THREADS bounds one
        // thread pool for both instead of two pools of that size.
        if (!Nd4j.getEnvironment().isCPU()) {
            return null;
        }
        try {
            return new OneDnn();
        } catch (LinkageError | RuntimeException e) {
            // The cuda profile ships no oneDNN natives, nor does a Flink lib/ made before they were added.
            LOG.warn("oneDNN does not load here ({}); {} run on ND4J's kernels", e.toString(), whatFallsBack);
            return null;
        }
    }
}
