package byot.stream.model.onednn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One inference convolution (NHWC maps, weights [kH, kW, in, out], optional bias, padding k/2) on a oneDNN
 * primitive made once per batch size and kept, with what follows it in the graph fused in as post-ops: a
 * ReLU, a residual sum, or both.
 *
 * <p>Why not libnd4j's conv2d: it makes its oneDNN primitive anew and reorders the weights on every call, a
 * fixed cost that a stage pays in full for the handful of survivors early exit leaves to it; and the ReLU and
 * residual add after it each make one more pass over the map. {@code byot eval} with
 * {@code -Dbyot.infer.conv=nd4j} times the difference (docs/benchmarks.md).
 *
 * <p>Thread-safe: the reordered weights are read-only once made, and each call takes a primitive with its own
 * stream, memories and scratch space from a per-batch-size pool, so concurrent calls never share one. The
 * weights and bias are copied at construction: the instance does not depend on the caller's arrays.
 */
public final class InferenceConvolution implements AutoCloseable {

    /** What the primitive does after the convolution and bias, in this order. */
    public enum PostOps {
        NONE, RELU,
        /** Adds what the output array holds on entry (a residual), then nothing. */
        SUM,
        /** Adds what the output array holds on entry, then a ReLU. */
        SUM_RELU;

        public boolean sums() {
            return this == SUM || this == SUM_RELU;
        }
    }

    /** Sizes of one convolution; padding is kernel / 2 on every side, as the graph builder pads. */
    public record Geometry(long height, long width, long in, long out, int kernel, int stride) {
        public long outHeight() {
            return (height + 2L * (kernel / 2) - kernel) / stride + 1;
        }

        public long outWidth() {
            return (width + 2L * (kernel / 2) - kernel) / stride + 1;
        }
    }

    private final OneDnn onednn;
    private final Geometry geometry;
    private final PostOps post;
    private final List<Pointer> owned = new ArrayList<>();
    /** The weights as given and the bias, copies of the caller's. */
    private final INDArray weights;
    private final INDArray bias;
    private final memory.desc userWeightsDesc;
    private final memory userWeights;
    private final memory biasMemory;
    /** The weights in each layout a primitive asked for (usually one for every batch size). */
    private final List<memory> weightLayouts = new ArrayList<>();
    private final List<memory.desc> weightLayoutDescs = new ArrayList<>();
    private final Map<Long, ConcurrentLinkedDeque<Bound>> free = new ConcurrentHashMap<>();
    private final List<Bound> made = new ArrayList<>();
    private boolean closed;

    /**
     * @param weights [kH, kW, in, out]
     * @param bias    [out], or {@code null}
     */
    public InferenceConvolution(OneDnn onednn, Geometry geometry, INDArray weights, INDArray bias, PostOps post) {
        long[] expected = {geometry.kernel(), geometry.kernel(), geometry.in(), geometry.out()};
        if (!Arrays.equals(weights.shape(), expected)) {
            throw new IllegalArgumentException("weights " + Arrays.toString(weights.shape())
                    + " do not fit " + geometry);
        }
        if (bias != null && bias.length() != geometry.out()) {
            throw new IllegalArgumentException("bias of " + bias.length() + " for " + geometry.out() + " outputs");
        }
        this.onednn = onednn;
        this.geometry = geometry;
        this.post = post;
        this.weights = weights.castTo(DataType.FLOAT).dup('c');
        this.bias = bias == null ? null : bias.castTo(DataType.FLOAT).reshape(geometry.out()).dup('c');
        long k = geometry.kernel();
        userWeightsDesc = own(OneDnn.f32(new long[] {geometry.out(), geometry.in(), k, k}, memory.format_tag.hwio));
        userWeights = own(new memory(userWeightsDesc, onednn.cpu, this.weights.data().addressPointer()));
        biasMemory = this.bias == null ? null : own(new memory(own(OneDnn.f32(new long[] {geometry.out()}, memory.format_tag.x)),
                onednn.cpu, this.bias.data().addressPointer()));
    }

    /**
     * output = post(conv(input) + bias); with a summing post-op, {@code output} holds the residual on entry.
     * Both are dense C-order float arrays, [batch, H, W, C]; they must not overlap.
     */
    public void run(INDArray input, INDArray output) {
        long batch = input.size(0);
        check(input, batch * geometry.height() * geometry.width() * geometry.in(), "input");
        check(output, batch * geometry.outHeight() * geometry.outWidth() * geometry.out(), "output");
        Bound b = take(batch);
        try {
            b.run(input, output);
        } finally {
            free.get(batch).addFirst(b);
        }
    }

    /** Frees the primitives and copies now. Not while a call is in progress. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Bound b : made) {
            b.close();
        }
        made.clear();
        free.clear();
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
        weights.close();
        if (bias != null) {
            bias.close();
        }
    }

    private Bound take(long batch) {
        ConcurrentLinkedDeque<Bound> q = free.computeIfAbsent(batch, b -> new ConcurrentLinkedDeque<>());
        Bound b = q.pollFirst();
        return b != null ? b : make(batch);
    }

    private synchronized Bound make(long batch) {
        if (closed) {
            throw new IllegalStateException("convolution closed");
        }
        Bound b = new Bound(batch);
        made.add(b);
        return b;
    }

    /** The weights in {@code wanted}'s layout, reordered once. Under the instance's lock (from {@link #make}). */
    private memory weightsIn(memory.desc wanted) {
        if (wanted.equals(userWeightsDesc)) {
            return userWeights;
        }
        for (int i = 0; i < weightLayouts.size(); i++) {
            if (wanted.equals(weightLayoutDescs.get(i))) {
                return weightLayouts.get(i);
            }
        }
        memory m = own(new memory(wanted, onednn.cpu));
        try (reorder r = new reorder(userWeights, m); IntMemoryMap args = new IntMemoryMap(); stream s = new stream(onednn.cpu)) {
            args.put(dnnl.DNNL_ARG_FROM, userWeights);
            args.put(dnnl.DNNL_ARG_TO, m);
            r.execute(s, args);
            s._wait();
        }
        weightLayouts.add(m);
        weightLayoutDescs.add(own(m.get_desc()));
        return m;
    }

    /** A primitive for one batch size with everything one call needs, used by one thread at a time. */
    private final class Bound {
        private final List<Pointer> parts = new ArrayList<>();
        private final stream stream;
        private final convolution_forward primitive;
        private final memory x;
        private final memory y;
        private final IntMemoryMap args;

        Bound(long batch) {
            Geometry g = geometry;
            boolean native16 = sixteenChannelBlocks(g);
            memory.desc src = part(OneDnn.f32(new long[] {batch, g.in(), g.height(), g.width()},
                    !native16 ? memory.format_tag.nhwc : g.in() == 1 ? memory.format_tag.nchw : memory.format_tag.nChw16c));
            memory.desc dst = part(OneDnn.f32(new long[] {batch, g.out(), g.outHeight(), g.outWidth()},
                    native16 ? memory.format_tag.nChw16c : memory.format_tag.nhwc));
            memory.desc anyWeights = part(OneDnn.f32(new long[] {g.out(), g.in(), g.kernel(), g.kernel()}, memory.format_tag.any));
            long[] strides = {g.stride(), g.stride()};
            long[] padding = {g.kernel() / 2, g.kernel() / 2};
            convolution_forward.desc d = part(biasMemory == null
                    ? new convolution_forward.desc(dnnl.prop_kind.forward_inference, dnnl.algorithm.convolution_direct,
                            src, anyWeights, dst, strides, padding, padding)
                    : new convolution_forward.desc(dnnl.prop_kind.forward_inference, dnnl.algorithm.convolution_direct,
                            src, anyWeights, part(biasMemory.get_desc()), dst, strides, padding, padding));
            primitive_attr attr = part(new primitive_attr());
            // oneDNN's own scratch space would be allocated and freed on every call; fresh pages are dear here.
            attr.set_scratchpad_mode(dnnl.scratchpad_mode.user);
            post_ops ops = part(new post_ops());
            if (post.sums()) {
                ops.append_sum(); // scale 1
            }
            if (post == PostOps.RELU || post == PostOps.SUM_RELU) {
                ops.append_eltwise(1.0f, dnnl.algorithm.eltwise_relu, 0f, 0f);
            }
            attr.set_post_ops(ops);
            convolution_forward.primitive_desc pd = part(new convolution_forward.primitive_desc(d, attr, onednn.cpu));
            primitive = part(new convolution_forward(pd));
            stream = part(new stream(onednn.cpu));
            x = part(new memory(src, onednn.cpu, (Pointer) null));
            y = part(new memory(dst, onednn.cpu, (Pointer) null));
            args = part(new IntMemoryMap());
            args.put(dnnl.DNNL_ARG_SRC, x);
            args.put(dnnl.DNNL_ARG_WEIGHTS, weightsIn(part(pd.weights_desc())));
            if (biasMemory != null) {
                args.put(dnnl.DNNL_ARG_BIAS, biasMemory);
            }
            args.put(dnnl.DNNL_ARG_DST, y);
            memory.desc scratch = part(pd.scratchpad_desc());
            if (scratch.get_size() > 0) {
                args.put(dnnl.DNNL_ARG_SCRATCHPAD, part(new memory(scratch, onednn.cpu)));
            }
        }

        void run(INDArray input, INDArray output) {
            x.set_data_handle(input.data().addressPointer());
            y.set_data_handle(output.data().addressPointer());
            primitive.execute(stream, args);
            stream._wait();
        }

        void close() {
            for (int i = parts.size() - 1; i >= 0; i--) {
                parts.get(i).close();
            }
            parts.clear();
        }

        private <T extends Pointer> T part(T p) {
            parts.add(p);
            return p;
        }
    }

    /**
     * Whether to describe the NHWC maps of this convolution in oneDNN's channel-blocked layout instead: where one
     * side has 16 channels and the other 1 or 16, the blocked layout (NCHW for one channel, NCHW16c for one block of
     * 16) is the same bytes as NHWC, so nothing is reordered, and oneDNN 2.5 picks faster kernels for it: the
     * 1-to-16-channel stem runs 2.5 times faster (its NHWC kernel reaches a tenth of the deeper layers' rate) and the
     * 16-channel layers of a narrow network's first section about a tenth faster (docs/benchmarks.md, "Exit 1's path,
     * layer by layer"). Those layers are most of what an image that leaves at exit 1 costs.
     */
    static boolean sixteenChannelBlocks(Geometry g) {
        return g.out() == 16 && (g.in() == 1 || g.in() == 16);
    }

    private static void check(INDArray a, long elements, String what) {
        if (!OneDnn.readsInPlace(a) || a.length() != elements) {
            throw new IllegalArgumentException("oneDNN needs the " + what + " as a dense C-order float array of "
                    + elements + " elements, got " + a.shapeInfoToString());
        }
    }

    private <T extends Pointer> T own(T p) {
        owned.add(p);
        return p;
    }
}
