package byot.stream.model.nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
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
 * and calls reuse. The ops and their arguments are SameDiff's own, so results are bit-identical.
 *
 * <p>Only single-output ops of known kinds are accepted; anything else fails at construction with an
 * {@link IllegalStateException} that names the op, and {@link byot.stream.model.graph.InferenceGraph} then runs
 * that stage through SameDiff. It relies on how ND4J 1.0.0-M2.1 represents ops (their names, arguments and
 * shape functions), which is why it lives in this package; {@code Nd4jInternalsTest} checks it against
 * SameDiff's own execution.
 * Thread-safe: plans are immutable once made and the pool hands each array to one caller at a time.
 */
public final class StageProgram {

    private enum Kind { CUSTOM, RELU, MUL_SCALAR, SUB_SCALAR, MEAN }

    /** One op: its kernel, input slots, output slot and output shape with the batch dimension left out. */
    private record Step(Kind kind, DynamicCustomOp custom, double scalar, int[] dims, int[] inputs, int output,
                        long[] shapeAfterBatch, boolean elementwise) {}

    /** The steps a set of requested outputs needs, and after which step each slot is dead. */
    private record Plan(int[] steps, int[] lastUse, int[] outputs) {}

    private final String inputName;
    private final int inputSlot;
    private final Map<String, Integer> slots = new HashMap<>();
    private final INDArray[] constants;
    private final List<Step> steps = new ArrayList<>();
    private final Map<List<String>, Plan> plans = new ConcurrentHashMap<>();
    private final ArrayPool pool = new ArrayPool();

    /**
     * @param sd        one inference stage
     * @param inputName its placeholder
     * @throws IllegalStateException if the stage has an op this runner cannot run; the message names it
     */
    public StageProgram(SameDiff sd, String inputName) {
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
        inferShapes(sd);
    }

    /** Runs the stage on {@code input} (batch first) and returns the named outputs, in the order asked. */
    public INDArray[] run(INDArray input, List<String> outputs) {
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
            if (step.elementwise) {
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
        }
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
     * the batch as its first dimension and a fixed shape after it.
     */
    private void inferShapes(SameDiff sd) {
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
            steps.set(i, new Step(s.kind, s.custom, s.scalar, s.dims, s.inputs, s.output,
                    Arrays.copyOfRange(shape, 1, shape.length), s.elementwise));
        }
    }

    private long[] outputShape(Step s, long[][] in) {
        return switch (s.kind) {
            case RELU, MUL_SCALAR, SUB_SCALAR -> in[0].clone();
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

    /** Frees the pooled arrays now instead of whenever the garbage collector finds them. */
    public void releasePool() {
        pool.release();
    }

    /**
     * Free arrays by shape, shared by the threads that use one snapshot and dropped with it (no thread-locals
     * that would outlive a replaced snapshot). Beyond its byte limit arrays are left to the garbage collector.
     */
    private static final class ArrayPool {
        private static final long MAX_BYTES = 64L << 20;
        private final Map<List<Long>, ConcurrentLinkedDeque<INDArray>> free = new ConcurrentHashMap<>();
        private final AtomicLong bytes = new AtomicLong();

        INDArray take(long[] shape) {
            ConcurrentLinkedDeque<INDArray> q = free.get(key(shape));
            INDArray a = q == null ? null : q.pollFirst();
            if (a != null) {
                bytes.addAndGet(-a.length() * Float.BYTES);
                return a;
            }
            return Nd4j.createUninitializedDetached(DataType.FLOAT, 'c', shape);
        }

        void give(INDArray a) {
            long size = a.length() * Float.BYTES;
            if (bytes.addAndGet(size) <= MAX_BYTES) {
                free.computeIfAbsent(key(a.shape()), k -> new ConcurrentLinkedDeque<>()).addFirst(a);
            } else {
                bytes.addAndGet(-size);
            }
        }

        void release() {
            for (ConcurrentLinkedDeque<INDArray> q : free.values()) {
                for (INDArray a; (a = q.pollFirst()) != null; ) {
                    bytes.addAndGet(-a.length() * Float.BYTES);
                    if (a.closeable()) {
                        a.close();
                    }
                }
            }
        }

        private static List<Long> key(long[] shape) {
            return Arrays.stream(shape).boxed().toList();
        }
    }
}
