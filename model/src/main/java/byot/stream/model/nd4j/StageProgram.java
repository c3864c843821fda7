package byot.stream.model.nd4j;

import byot.stream.model.onednn.InferenceConvolution;
import byot.stream.model.onednn.OneDnn;
import byot.stream.model.runtime.OpenMpThreads;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseScalarOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarSubtraction;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs one inference stage's SameDiff graph op by op with the same ND4J ops, bypassing SameDiff's session.
 *
 * <p>Why: in ND4J 1.0.0-M2.1 a session call re-plans the graph (subgraph search, dependency tracking, an
 * output-shape calculation and a fresh output array for every op), which cost about a third of a batch-1
 * call. Here the op order is fixed once, output shapes are known up to the batch size, element-wise ops
 * write into an input no later op reads, and arrays a call no longer needs go back to a pool that later ops
 * and calls reuse; so are arrays its callers hand back ({@link #recycle}). On libnd4j's kernels the ops and their
 * arguments are SameDiff's own, so results are bit-identical. On the CPU backend, by default, convolutions run
 * on oneDNN primitives kept per batch size with the ReLU and residual add that alone read them fused in
 * ({@link InferenceConvolution}); results then agree with SameDiff's to float rounding.
 *
 * <p>Only single-output ops of known kinds are accepted; anything else fails at construction with an
 * {@link IllegalStateException} that names the op, and {@link byot.stream.model.graph.InferenceGraph} then runs
 * that stage through SameDiff. It relies on how ND4J 1.0.0-M2.1 represents ops (their names, arguments and
 * shape functions), which is why it lives in this package; {@code Nd4jInternalsTest} checks it against
 * SameDiff's own execution.
 * Thread-safe: plans are immutable once made, the pool hands each array to one caller at a time, and each
 * convolution call takes a primitive of its own.
 */
public final class StageProgram implements AutoCloseable {

    /** Where inference convolutions run: {@code dnnl} (default) or {@code nd4j} (libnd4j's conv2d, as SameDiff). */
    public static final String CONVOLUTIONS_PROPERTY = "byot.infer.conv";

    /**
     * Batches smaller than this run on one OpenMP thread: waking a second thread for each of a stage's ~20 ops
     * costs more than it saves on a handful of samples (full depth at batch 1-4 ran 1.3-2× faster on one thread
     * than on two, even at 8 and 2× slower at 64; `byot bench model --infer-batches 1,2,4,8,16,64` with
     * OMP_NUM_THREADS=1 and 2). Early exit sends exactly such batches to the later stages. oneDNN sizes a
     * primitive's parallelism when it is made, and a batch size's primitives are made by its first call, on the
     * same thread count as every later one.
     */
    static final int SINGLE_THREAD_BELOW = 8;

    enum Kind { CUSTOM, RELU, MUL_SCALAR, SUB_SCALAR, MEAN, CONV }

    /**
     * One op: its kernel, input slots, output slot and output shape with the batch dimension left out. A
     * {@link Kind#CONV} step is a convolution on oneDNN with the ReLU and residual add after it fused in; its
     * second input, when it has one, is the residual.
     */
    record Step(Kind kind, DynamicCustomOp custom, double scalar, int[] dims, int[] inputs, int output,
                        long[] shapeAfterBatch, boolean elementwise, InferenceConvolution conv) {

        Step(Kind kind, DynamicCustomOp custom, double scalar, int[] dims, int[] inputs, int output,
             long[] shapeAfterBatch, boolean elementwise) {
            this(kind, custom, scalar, dims, inputs, output, shapeAfterBatch, elementwise, null);
        }

        Step withShape(long[] shape) {
            return new Step(kind, custom, scalar, dims, inputs, output, shape, elementwise, conv);
        }

        boolean isRelu() {
            return kind == Kind.RELU && scalar == 0;
        }

        boolean isAdd() {
            return kind == Kind.CUSTOM && custom.opName().equals("add") && inputs.length == 2 && inputs[0] != inputs[1];
        }
    }

    /** The steps a set of requested outputs needs, and after which step each slot is dead. */
    private record Plan(int[] steps, int[] lastUse, int[] outputs) {}

    private final String inputName;
    private final int inputSlot;
    private final Map<String, Integer> slots = new HashMap<>();
    private final INDArray[] constants;
    private final List<Step> steps = new ArrayList<>();
    /** Slots fused away (a convolution's output read only by its ReLU or residual add): no plan can ask for them. */
    private final Set<Integer> fusedAway = new HashSet<>();
    private final Map<List<String>, Plan> plans = new ConcurrentHashMap<>();
    private final ArrayPool pool = new ArrayPool();

    /**
     * With convolutions where the {@value #CONVOLUTIONS_PROPERTY} property says: on oneDNN unless it is
     * {@code nd4j}, or where oneDNN does not load (another backend, e.g. CUDA; then as SameDiff runs them).
     *
     * @param sd        one inference stage
     * @param inputName its placeholder
     * @throws IllegalStateException if the stage has an op this runner cannot run; the message names it
     */
    public StageProgram(SameDiff sd, String inputName) {
        this(sd, inputName, oneDnnFromProperty());
    }

    /**
     * @param onednn where convolutions run with their ReLU and residual add fused in, or {@code null} to run
     *               every op as SameDiff does (bit-identical to it)
     */
    public StageProgram(SameDiff sd, String inputName, OneDnn onednn) {
        this.inputName = inputName;
        List<INDArray> consts = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.CONSTANT) {
                slots.put(v.name(), slots.size());
                consts.add(v.getArr());
            }
        }
        this.inputSlot = slot(inputName);
        for (DifferentialFunction f : sd.ops()) {
            String[] in = sd.getInputsForOp(f);
            String[] out = sd.getOutputsForOp(f);
            if (out.length != 1) {
                throw new IllegalStateException("inference op " + f.getOwnName() + " has " + out.length + " outputs");
            }
            int[] inSlots = new int[in.length];
            for (int i = 0; i < in.length; i++) {
                Integer s = slots.get(in[i]);
                if (s == null) {
                    throw new IllegalStateException("op " + f.getOwnName() + " reads " + in[i] + " before it is computed");
                }
                inSlots[i] = s;
            }
            steps.add(step(f, inSlots, slot(out[0])));
        }
        this.constants = new INDArray[slots.size()];
        for (int i = 0; i < consts.size(); i++) {
            constants[i] = consts.get(i);
        }
        long[][] slotShapes = inferShapes(sd);
        if (onednn != null) {
            List<Step> fused = new ConvolutionFusion(onednn, constants, slotShapes).fuse(steps, slots.size(), fusedAway);
            steps.clear();
            steps.addAll(fused);
        }
    }

    private static OneDnn oneDnnFromProperty() {
        String id = System.getProperty(CONVOLUTIONS_PROPERTY, "dnnl").trim().toLowerCase(Locale.ROOT);
        return switch (id) {
            case "dnnl" -> OneDnn.openOrNull("inference convolutions");
            case "nd4j" -> null;
            default -> throw new IllegalArgumentException("unknown -D" + CONVOLUTIONS_PROPERTY + " '" + id + "'; known: dnnl, nd4j");
        };
    }

    /** True when convolutions run on oneDNN, with what follows them fused in. */
    public boolean fusesConvolutions() {
        return steps.stream().anyMatch(s -> s.kind == Kind.CONV);
    }

    /**
     * Runs the stage on {@code input} (batch first) and returns the named outputs, in the order asked. A batch
     * below {@value #SINGLE_THREAD_BELOW} runs on the calling thread alone.
     */
    public INDArray[] run(INDArray input, List<String> outputs) {
        long batch = input.size(0);
        int threads = batch < SINGLE_THREAD_BELOW ? OpenMpThreads.ofCallingThread() : 1;
        if (threads > 1) {
            OpenMpThreads.limitCallingThread(1);
        }
        try {
            return runOps(input, outputs);
        } finally {
            if (threads > 1) {
                OpenMpThreads.limitCallingThread(threads);
            }
        }
    }

    private INDArray[] runOps(INDArray input, List<String> outputs) {
        Plan plan = plans.computeIfAbsent(List.copyOf(outputs), this::plan);
        long batch = input.size(0);
        INDArray[] values = constants.clone();
        boolean[] pooled = new boolean[values.length];
        values[inputSlot] = input;
        for (int i : plan.steps) {
            Step step = steps.get(i);
            INDArray[] in = new INDArray[step.inputs.length];
            for (int k = 0; k < in.length; k++) {
                in[k] = values[step.inputs[k]];
            }
            long[] shape = withBatch(batch, step.shapeAfterBatch);
            INDArray out = null;
            if (step.kind == Kind.CONV) {
                in[0] = dense(in[0]);
                if (step.inputs.length == 2) {
                    // The residual is the output's starting value: take its array over when nothing reads it later.
                    int s = step.inputs[1];
                    if (pooled[s] && plan.lastUse[s] == i && Arrays.equals(in[1].shape(), shape)) {
                        out = in[1];
                        pooled[s] = false;
                        values[s] = null;
                    } else {
                        out = pool.take(shape);
                        out.assign(in[1]);
                    }
                }
            } else if (step.elementwise) {
                // Write into an operand that nothing reads after this op, when the pool owns it.
                for (int k = 0; k < in.length && out == null; k++) {
                    int s = step.inputs[k];
                    if (pooled[s] && plan.lastUse[s] == i && Arrays.equals(in[k].shape(), shape)) {
                        out = in[k];
                        pooled[s] = false;
                        values[s] = null;
                    }
                }
            }
            if (out == null) {
                out = pool.take(shape);
            }
            execute(step, in, out);
            values[step.output] = out;
            pooled[step.output] = true;
            for (int s : step.inputs) {
                if (pooled[s] && plan.lastUse[s] == i) {
                    pool.give(values[s]);
                    pooled[s] = false;
                    values[s] = null;
                }
            }
        }
        INDArray[] result = new INDArray[plan.outputs.length];
        for (int k = 0; k < result.length; k++) {
            result[k] = values[plan.outputs[k]];
            pooled[plan.outputs[k]] = false; // the caller owns what it is given
        }
        for (int s = 0; s < values.length; s++) {
            if (pooled[s]) {
                pool.give(values[s]);
            }
        }
        return result;
    }

    private static void execute(Step step, INDArray[] in, INDArray out) {
        switch (step.kind) {
            case CUSTOM -> Nd4j.exec(copyOf(step.custom, in, out));
            case RELU -> Nd4j.exec(new RectifiedLinear(in[0], out, step.scalar));
            case MUL_SCALAR -> Nd4j.exec(new ScalarMultiplication(in[0], null, out, step.scalar));
            case SUB_SCALAR -> Nd4j.exec(new ScalarSubtraction(in[0], null, out, step.scalar));
            case MEAN -> Nd4j.exec(new Mean(in[0], out, step.dims));
            case CONV -> step.conv.run(in[0], out);
        }
    }

    /** {@code a}, or a dense copy where it is a view or not in C order (oneDNN reads the buffer as it lies). */
    private static INDArray dense(INDArray a) {
        return OneDnn.readsInPlace(a) ? a : a.castTo(DataType.FLOAT).dup('c');
    }

    private static DynamicCustomOp copyOf(DynamicCustomOp op, INDArray[] in, INDArray out) {
        if (op.numDArguments() > 0) {
            throw new IllegalStateException("op " + op.opName() + " has data type arguments");
        }
        DynamicCustomOp copy = new DynamicCustomOp(op.opName(), in, out == null ? new INDArray[0] : new INDArray[] {out});
        copy.addIArgument(op.iArgs());
        copy.addTArgument(op.tArgs());
        copy.addBArgument(op.bArgs());
        return copy;
    }

    private Step step(DifferentialFunction f, int[] in, int out) {
        String name = f.opName();
        if (f instanceof DynamicCustomOp op) {
            boolean elementwise = name.equals("add") || name.equals("biasadd");
            return switch (name) {
                case "conv2d", "add", "matmul", "softmax", "permute", "biasadd", "depthwise_conv2d", "maxpool2d",
                        "avgpool2d", "pad", "concat" -> new Step(Kind.CUSTOM, op, 0, null, in, out, null, elementwise);
                default -> throw unsupported(f);
            };
        }
        if (f instanceof BaseScalarOp op && op.scalar() != null) {
            double value = op.scalar().getDouble(0);
            return switch (name) {
                case "relu" -> new Step(Kind.RELU, null, value, null, in, out, null, true);
                case "mul_scalar" -> new Step(Kind.MUL_SCALAR, null, value, null, in, out, null, true);
                case "sub_scalar" -> new Step(Kind.SUB_SCALAR, null, value, null, in, out, null, true);
                default -> throw unsupported(f);
            };
        }
        if (f instanceof Mean op && !op.isKeepDims() && op.dimensions() != null
                && Arrays.stream(op.dimensions().toIntVector()).allMatch(d -> d > 0)) {
            return new Step(Kind.MEAN, null, 0, op.dimensions().toIntVector(), in, out, null, false);
        }
        throw unsupported(f);
    }

    private static IllegalStateException unsupported(DifferentialFunction f) {
        return new IllegalStateException("inference stage cannot run op " + f.opName() + " (" + f.getOwnName() + ")");
    }

    /**
     * Output shapes, by running the op chain's shape functions at batch 2: every op of an inference stage keeps
     * the batch as its first dimension and a fixed shape after it. Records each step's shape after the batch and
     * returns every slot's shape at batch 2.
     */
    private long[][] inferShapes(SameDiff sd) {
        long[][] shapes = new long[slots.size()][];
        for (Map.Entry<String, Integer> e : slots.entrySet()) {
            if (constants[e.getValue()] != null) {
                shapes[e.getValue()] = constants[e.getValue()].shape();
            }
        }
        long[] in = sd.getVariable(inputName).placeholderShape().clone();
        in[0] = 2;
        shapes[inputSlot] = in;
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            long[] shape = outputShape(s, Arrays.stream(s.inputs).mapToObj(k -> shapes[k]).toArray(long[][]::new));
            if (shape.length == 0 || shape[0] != 2) {
                throw new IllegalStateException("op " + s.kind + " does not keep the batch first: " + Arrays.toString(shape));
            }
            shapes[s.output] = shape;
            steps.set(i, s.withShape(Arrays.copyOfRange(shape, 1, shape.length)));
        }
        return shapes;
    }

    private long[] outputShape(Step s, long[][] in) {
        return switch (s.kind) {
            case RELU, MUL_SCALAR, SUB_SCALAR -> in[0].clone();
            case CONV -> throw new IllegalStateException("convolutions are fused after the shapes are known");
            case MEAN -> {
                long[] kept = new long[in[0].length - s.dims.length];
                int k = 0;
                for (int d = 0; d < in[0].length; d++) {
                    int dim = d;
                    if (Arrays.stream(s.dims).noneMatch(x -> x == dim)) {
                        kept[k++] = in[0][d];
                    }
                }
                yield kept;
            }
            case CUSTOM -> {
                INDArray[] probes = new INDArray[in.length];
                for (int k = 0; k < in.length; k++) {
                    INDArray constant = constants[s.inputs[k]];
                    probes[k] = constant != null ? constant : Nd4j.create(DataType.FLOAT, in[k]);
                }
                List<LongShapeDescriptor> d = Nd4j.getExecutioner().calculateOutputShape(copyOf(s.custom, probes, null));
                yield d.get(0).getShape();
            }
        };
    }

    private Plan plan(List<String> outputs) {
        int[] outSlots = outputs.stream().mapToInt(n -> {
            Integer s = slots.get(n);
            if (s == null) {
                throw new IllegalArgumentException("stage has no output " + n);
            }
            if (fusedAway.contains(s)) {
                throw new IllegalArgumentException("stage output " + n + " is fused into a convolution on oneDNN; "
                        + "run with -D" + CONVOLUTIONS_PROPERTY + "=nd4j to read it");
            }
            return s;
        }).toArray();
        boolean[] needed = new boolean[slots.size()];
        for (int s : outSlots) {
            needed[s] = true;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step s = steps.get(i);
            if (needed[s.output]) {
                order.add(0, i);
                for (int k : s.inputs) {
                    needed[k] = true;
                }
            }
        }
        int[] lastUse = new int[slots.size()];
        Arrays.fill(lastUse, -1);
        for (int i : order) {
            for (int k : steps.get(i).inputs) {
                lastUse[k] = i;
            }
        }
        for (int s : outSlots) {
            lastUse[s] = Integer.MAX_VALUE; // an output lives past the call
        }
        return new Plan(order.stream().mapToInt(Integer::intValue).toArray(), lastUse, outSlots);
    }

    private int slot(String name) {
        return slots.computeIfAbsent(name, n -> slots.size());
    }

    private static long[] withBatch(long batch, long[] rest) {
        long[] shape = new long[rest.length + 1];
        shape[0] = batch;
        System.arraycopy(rest, 0, shape, 1, rest.length);
        return shape;
    }

    /**
     * A dense array of {@code shape} for the caller to fill and then pass to {@link #run} or back to
     * {@link #recycle}: from the pool when it holds one, so that it lands on pages already touched.
     */
    public INDArray borrow(long[] shape) {
        return pool.take(shape);
    }

    /**
     * Takes back an array a caller got from {@link #run} and no longer needs, for a later call to write into:
     * a fresh array of a batch of 64 at 28x28x16 touches 800 new pages, which cost more on this project's VMs
     * than the convolutions that fill it. Arrays not of the pool's kind (views, other orders or types) are left
     * to the garbage collector. The caller must not use {@code a} afterwards.
     */
    public void recycle(INDArray a) {
        if (a != null && OneDnn.readsInPlace(a) && !a.wasClosed()) {
            pool.give(a);
        }
    }

    /**
     * Frees the pooled arrays and the oneDNN primitives now instead of whenever the garbage collector finds
     * them. Not while a call is in progress; arrays already returned stay valid.
     */
    @Override
    public void close() {
        pool.release();
        for (Step s : steps) {
            if (s.conv != null) {
                s.conv.close();
            }
        }
    }

    /**
     * Free arrays by shape, shared by the threads that use one snapshot and dropped with it (no thread-locals
     * that would outlive a replaced snapshot). Within its byte limit it keeps the shapes used most recently:
     * early exit sends every batch size from 1 to 64 through the later stages, and a pool that kept whatever
     * came first filled up with those and then dropped the full batches' arrays, the dearest to allocate anew.
     */
    private static final class ArrayPool {
        private static final long MAX_BYTES = 64L << 20;
        /** Least recently used shape first. */
        private final LinkedHashMap<List<Long>, ArrayDeque<INDArray>> free = new LinkedHashMap<>(16, 0.75f, true);
        private long bytes;

        synchronized INDArray take(long[] shape) {
            ArrayDeque<INDArray> q = free.get(key(shape));
            INDArray a = q == null ? null : q.pollFirst();
            if (a != null) {
                bytes -= bytes(a);
                return a;
            }
            return Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', shape);
        }

        synchronized void give(INDArray a) {
            long size = bytes(a);
            if (size > MAX_BYTES) {
                return;
            }
            List<Long> key = key(a.shape());
            Iterator<Map.Entry<List<Long>, ArrayDeque<INDArray>>> eldest = free.entrySet().iterator();
            while (bytes + size > MAX_BYTES && eldest.hasNext()) {
                Map.Entry<List<Long>, ArrayDeque<INDArray>> e = eldest.next();
                if (!e.getKey().equals(key)) {
                    e.getValue().forEach(this::drop);
                    eldest.remove();
                }
            }
            if (bytes + size > MAX_BYTES) {
                return; // only arrays of this very shape are kept, and enough of them
            }
            free.computeIfAbsent(key, k -> new ArrayDeque<>()).addFirst(a);
            bytes += size;
        }

        synchronized void release() {
            free.values().forEach(q -> q.forEach(this::drop));
            free.clear();
        }

        private void drop(INDArray a) {
            bytes -= bytes(a);
            if (a.closeable()) {
                a.close();
            }
        }

        private static long bytes(INDArray a) {
            return a.length() * Float.BYTES;
        }

        private static List<Long> key(long[] shape) {
            return Arrays.stream(shape).boxed().toList();
        }
    }
}
