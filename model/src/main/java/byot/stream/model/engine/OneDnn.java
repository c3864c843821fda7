package byot.stream.model.engine;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Loader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * oneDNN's CPU engine and an execution stream, from the JavaCPP presets (a oneDNN of its own, beside the
 * copy inside ND4J's native library, which ND4J does not expose). One per eager training step: a stream
 * is not thread-safe, and neither is the step.
 */
final class OneDnn {

    private static final Logger LOG = LoggerFactory.getLogger(OneDnn.class);

    final engine cpu;
    final stream stream;

    private OneDnn() {
        Loader.load(dnnl.class);
        this.cpu = new engine(engine.kind.cpu, 0);
        this.stream = new stream(cpu);
    }

    /** oneDNN's CPU engine, or {@code null} (logged) where its native library does not load. */
    static OneDnn openOrNull() {
        try {
            return new OneDnn();
        } catch (LinkageError | RuntimeException e) {
            // The cuda profile ships no oneDNN natives, nor does a Flink lib/ made before they were added.
            LOG.warn("oneDNN does not load here ({}); the eager engine's convolutions run on ND4J's kernels", e.toString());
            return null;
        }
    }
}
