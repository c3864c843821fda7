package byot.stream.model.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every array one batch size needs, allocated once and reused by every step at that size: each tensor's
 * value and (where the loss reaches it) gradient, one scratch array per shape for gradients that must be
 * added to a gradient already there, column vectors of ones for per-channel sums by matrix product, and
 * each op's own state.
 *
 * <p>Why: this VM charges about 15 us for every freshly touched 4 KB page, and SameDiff's session allocated
 * every activation and gradient anew each step.
 */
final class Workspace {

    final int batch;
    private final INDArray[] values;
    private final INDArray[] grads;
    private final boolean[] gradSet;
    private final Map<List<Long>, INDArray> scratch = new HashMap<>();
    private final Map<Long, INDArray> ones = new HashMap<>();
    private final Map<String, INDArray> weightGrads;
    private final List<EagerOp> ops;
    final Object[] opState;

    Workspace(int batch, List<TensorSpec> tensors, List<EagerOp> ops, Map<String, INDArray> weightGrads) {
        this.batch = batch;
        this.weightGrads = weightGrads;
        this.ops = ops;
        values = new INDArray[tensors.size()];
        grads = new INDArray[tensors.size()];
        gradSet = new boolean[tensors.size()];
        for (int t = 0; t < tensors.size(); t++) {
            TensorSpec spec = tensors.get(t);
            values[t] = Nd4j.zeros(DataType.FLOAT, spec.shape(batch));
            if (spec.needsGrad()) {
                grads[t] = Nd4j.zeros(DataType.FLOAT, spec.shape(batch));
            }
        }
        opState = new Object[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            opState[i] = ops.get(i).allocate(this);
        }
    }

    INDArray value(int tensor) {
        return values[tensor];
    }

    /** The gradient array of a tensor; its content is meaningful once {@link #hasGrad} says so. */
    INDArray grad(int tensor) {
        return grads[tensor];
    }

    boolean hasGrad(int tensor) {
        return gradSet[tensor];
    }

    boolean needsGrad(int tensor) {
        return grads[tensor] != null;
    }

    void clearGrads() {
        Arrays.fill(gradSet, false);
    }

    /**
     * Where an op writes its contribution to a tensor's gradient: the gradient itself when it holds nothing
     * yet this step, else a scratch array that {@link #addGrad} then adds in.
     */
    INDArray gradTarget(int tensor) {
        return gradSet[tensor] ? scratch(grads[tensor].shape()) : grads[tensor];
    }

    /** Completes a write begun with {@link #gradTarget}. */
    void addGrad(int tensor, INDArray written) {
        if (written != grads[tensor]) {
            grads[tensor].addi(written);
        }
        gradSet[tensor] = true;
    }

    /** Adds {@code contribution} to a tensor's gradient (copies it if it is the first this step). */
    void accumulateGrad(int tensor, INDArray contribution) {
        if (gradSet[tensor]) {
            grads[tensor].addi(contribution);
        } else {
            grads[tensor].assign(contribution);
            gradSet[tensor] = true;
        }
    }

    /** A scratch array of this shape, shared by every op (its content does not outlive one op call). */
    INDArray scratch(long[] shape) {
        return scratch.computeIfAbsent(Arrays.stream(shape).boxed().toList(),
                k -> Nd4j.zeros(DataType.FLOAT, shape));
    }

    /** A [1, n] row of ones: times an [n, C] matrix it sums the rows per column. */
    INDArray ones(long n) {
        return ones.computeIfAbsent(n, k -> Nd4j.ones(DataType.FLOAT, 1, n));
    }

    INDArray weightGrad(String weight) {
        return weightGrads.get(weight);
    }

    /** Frees every array now instead of whenever the garbage collector finds them. */
    void release() {
        for (int i = 0; i < ops.size(); i++) {
            ops.get(i).release(opState[i]);
        }
        for (INDArray[] arrays : List.of(values, grads)) {
            for (INDArray a : arrays) {
                if (a != null && a.closeable()) {
                    a.close();
                }
            }
        }
        for (Map<?, INDArray> m : List.of(scratch, ones)) {
            m.values().forEach(a -> {
                if (a.closeable()) {
                    a.close();
                }
            });
        }
    }
}
