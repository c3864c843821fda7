package byot.stream.model.engine;

import byot.stream.model.onednn.OneDnn;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the eager engine's oneDNN layers share: primitives made once with their arguments, memories bound to the
 * ND4J arrays' buffers at each call, scratch memory of the layer's own ({@code scratchpad_mode::user}: oneDNN's
 * would be allocated and freed on every call, and freshly touched pages are expensive on this VM), and every
 * native object freed in {@link #close}.
 */
abstract class DnnlLayer implements AutoCloseable {

    /** A primitive with its arguments. */
    record Step(primitive primitive, primitive_desc_base pd, IntMemoryMap args) {}

    final OneDnn onednn;
    private final List<Pointer> owned = new ArrayList<>();

    DnnlLayer(OneDnn onednn) {
        this.onednn = onednn;
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }

    final void run(Step s) {
        s.primitive().execute(onednn.stream, s.args());
        onednn.stream._wait();
    }

    /** Points a memory at an array's buffer; the array must be a dense C-order float array of the right size. */
    static void bind(memory m, INDArray a, long elements) {
        if (!OneDnn.readsInPlace(a) || a.length() != elements) {
            throw new IllegalArgumentException("oneDNN needs a dense C-order float array of " + elements
                    + " elements, got " + a.shapeInfoToString());
        }
        m.set_data_handle(a.data().addressPointer());
    }

    /** A memory over a user array (bound at each call). */
    final memory user(memory.desc desc) {
        return own(new memory(desc, onednn.cpu, (Pointer) null));
    }

    /** A memory of the layer's own, allocated here once. */
    final memory allocated(memory.desc desc) {
        return own(new memory(desc, onednn.cpu));
    }

    /** The primitive with its arguments (pairs of {@code DNNL_ARG_*} and memory) and its scratch memory. */
    final Step step(primitive p, primitive_desc_base pd, Object... args) {
        IntMemoryMap map = own(new IntMemoryMap());
        for (int i = 0; i < args.length; i += 2) {
            map.put((Integer) args[i], (memory) args[i + 1]);
        }
        if (pd != null) {
            memory.desc scratch = own(pd.scratchpad_desc());
            if (scratch.get_size() > 0) {
                map.put(dnnl.DNNL_ARG_SCRATCHPAD, allocated(scratch));
            }
        }
        return new Step(p, pd, map);
    }

    /** Freed in {@link #close}, in reverse order of making. */
    final <T extends Pointer> T own(T p) {
        owned.add(p);
        return p;
    }
}
