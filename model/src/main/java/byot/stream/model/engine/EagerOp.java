package byot.stream.model.engine;

/**
 * One layer of the eager network: computes its output tensor from its inputs, and in the backward pass
 * turns its output's gradient into its inputs' and weights' gradients. Arrays come from the
 * {@link Workspace}; an op allocates nothing per step.
 */
interface EagerOp {

    /** A short label for the per-op profile, e.g. "conv3x3" or "batchnorm". */
    String kind();

    /** Per-op arrays that depend on the batch size (statistics, masks, views); called once per workspace. */
    default Object allocate(Workspace ws) {
        return null;
    }

    /** Frees what {@link #allocate} made outside ND4J's arrays; called when the workspace is released. */
    default void release(Object state) {
    }

    void forward(Workspace ws, Object state);

    /** Called only when the output's gradient is set. */
    void backward(Workspace ws, Object state);

    /** The tensor this op writes. */
    int output();
}
