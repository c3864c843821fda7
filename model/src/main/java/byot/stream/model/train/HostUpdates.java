package byot.stream.model.train;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The optimizer's and the running statistics' element-wise updates as one Java pass over each tensor's memory, on
 * ND4J's CPU backend. ND4J's ops for the same momentum step are four native calls and four passes over memory per
 * tensor: 10-25 ms a step for ResNet18 ×0.25's 86 weights (and 3-10 ms more for its 52 running statistics), a
 * fifth to a third of the fine-tuner's batch-32 step, where this pass takes about 1.5 ms (docs/benchmarks.md,
 * 2026-12-03). An array it cannot reach as plain host floats (another backend's, a view, another type) is left
 * to the caller's ND4J ops: each method says whether it did the update.
 */
final class HostUpdates {

    private final boolean enabled;

    HostUpdates(boolean enabled) {
        this.enabled = enabled;
    }

    /** On for the CPU backend, whose arrays live in host memory; off elsewhere (the {@code cuda} profile's). */
    static HostUpdates forBackend() {
        return new HostUpdates(Nd4j.getEnvironment().isCPU());
    }

    /**
     * {@code v = momentum*v + g + decay*w; w -= rate*v}, in the order (and float precision) of ND4J's ops.
     *
     * @return false, having changed nothing, when an array is not plain host floats of the weight's length
     */
    boolean momentumStep(INDArray weight, INDArray gradient, INDArray velocity, float momentum, float decay, float rate) {
        long n = weight.length();
        FloatBuffer w = host(weight, n);
        FloatBuffer g = host(gradient, n);
        FloatBuffer v = host(velocity, n);
        if (w == null || g == null || v == null) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            float wi = w.get(i);
            float vi = momentum * v.get(i) + g.get(i) + decay * wi;
            v.put(i, vi);
            w.put(i, wi - rate * vi);
        }
        return true;
    }

    /**
     * {@code running = (1 - share)*running + share*sample}, element by element.
     *
     * @return false, having changed nothing, when an array is not plain host floats of the running one's length
     */
    boolean blend(INDArray running, INDArray sample, float share) {
        long n = running.length();
        FloatBuffer r = host(running, n);
        FloatBuffer s = host(sample, n);
        if (r == null || s == null) {
            return false;
        }
        float keep = 1 - share;
        for (int i = 0; i < n; i++) {
            r.put(i, keep * r.get(i) + share * s.get(i));
        }
        return true;
    }

    /** The array's floats as a buffer indexed from its first element, or {@code null} when that cannot be had. */
    private FloatBuffer host(INDArray a, long length) {
        if (!enabled || a == null || a.dataType() != DataType.FLOAT || a.length() != length || a.isView()
                || a.offset() != 0 || a.data().offset() != 0 || a.ordering() != 'c' || length > Integer.MAX_VALUE) {
            return null;
        }
        return a.data().asNioFloat();
    }
}
