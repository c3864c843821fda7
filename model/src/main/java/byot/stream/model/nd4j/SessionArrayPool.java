package byot.stream.model.nd4j;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.BaseNDArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keeps the arrays a SameDiff session releases and hands them out again for the same data type, shape
 * and order, so that a training step reuses the previous step's activation and gradient buffers
 * instead of allocating (and page-faulting in) fresh native memory for each of them.
 *
 * <p>It replaces ND4J 1.0.0-M2.1's {@code ArrayCacheMemoryMgr}, which never reuses a rank-0 array but
 * keeps every one it is given: a few hundred scalars per training step that are never freed.
 */
final class SessionArrayPool extends AbstractMemoryMgr {

    private record Key(DataType type, char order, long[] shape) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && type == k.type && order == k.order && Arrays.equals(shape, k.shape);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * type.hashCode() + order) + Arrays.hashCode(shape);
        }
    }

    private final Map<Key, ArrayDeque<INDArray>> free = new HashMap<>();
    private final long maxBytes;
    private long bytes;

    /** Holds at most a quarter of JavaCPP's off-heap limit, as ND4J's own cache does. */
    SessionArrayPool() {
        this(Pointer.maxBytes() / 4);
    }

    SessionArrayPool(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public INDArray allocate(boolean detached, DataType dataType, long... shape) {
        INDArray reused = take(new Key(dataType, 'c', shape));
        return reused != null ? reused : Nd4j.createUninitializedDetached(dataType, shape);
    }

    @Override
    public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        if (descriptor.isEmpty()) {
            INDArray empty = Nd4j.create(descriptor);
            return detached ? empty.detach() : empty;
        }
        INDArray reused = take(new Key(descriptor.dataType(), descriptor.getOrder(), descriptor.getShape()));
        return reused != null ? reused : Nd4j.createUninitializedDetached(descriptor.dataType(),
                descriptor.getOrder(), descriptor.getShape());
    }

    @Override
    public void release(INDArray array) {
        if (!poolable(array)) {
            if (array.closeable()) {
                array.close();
            }
            return;
        }
        long size = sizeOf(array);
        if (bytes + size > maxBytes) {
            array.close();
            return;
        }
        free.computeIfAbsent(new Key(array.dataType(), array.ordering(), array.shape()), k -> new ArrayDeque<>())
                .push(array);
        bytes += size;
    }

    @Override
    public void close() {
        for (ArrayDeque<INDArray> arrays : free.values()) {
            for (INDArray a : arrays) {
                if (a.closeable()) {
                    a.close();
                }
            }
        }
        free.clear();
        bytes = 0;
    }

    /** How many released arrays the pool holds for reuse now. */
    int held() {
        return free.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    private INDArray take(Key key) {
        ArrayDeque<INDArray> arrays = free.get(key);
        while (arrays != null && !arrays.isEmpty()) {
            INDArray a = arrays.pop();
            bytes -= sizeOf(a);
            if (!a.wasClosed()) {
                // The session tracks what it has freed by array id; a recycled array must look new to it.
                ((BaseNDArray) a).assignNewId();
                return a;
            }
        }
        return null;
    }

    /**
     * Only a sole owner of its whole buffer may be handed out again: a view, or a buffer that another
     * array still uses, would let two live values share memory.
     */
    private static boolean poolable(INDArray a) {
        return a instanceof BaseNDArray && !a.wasClosed() && !a.isView() && !a.isEmpty() && a.rank() > 0
                && a.dataType() != DataType.UTF8 && a.data() != null
                && Nd4j.getExecutioner().useCount(a.data()) <= 1 && a.closeable();
    }

    private static long sizeOf(INDArray a) {
        return a.wasClosed() ? 0 : a.data().length() * a.dataType().width();
    }
}
