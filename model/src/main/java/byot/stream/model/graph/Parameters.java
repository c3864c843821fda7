package byot.stream.model.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * The named tensors of one model, the single source of truth that graphs are built from and model files
 * store: trainable weights, batch-norm running statistics, and optimizer state.
 *
 * <p>Initial values come from a per-name seeded generator, so a weight's start value depends only on the
 * seed and its name, not on the order in which the graph asks for it.
 */
public final class Parameters {

    /** What a tensor is for; decides whether the optimizer touches it and whether a file must carry it. */
    public enum Kind { WEIGHT, RUNNING_STAT, OPTIMIZER }

    private final Map<String, INDArray> weights = new LinkedHashMap<>();
    private final Map<String, INDArray> runningStats = new LinkedHashMap<>();
    private final Map<String, INDArray> optimizer = new LinkedHashMap<>();
    private final long seed;

    public Parameters(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /** A weight drawn from N(0, std^2) the first time it is asked for. */
    public INDArray normalWeight(String name, double std, long... shape) {
        return weights.computeIfAbsent(name, n -> gaussian(n, std, shape));
    }

    public INDArray constantWeight(String name, double value, long... shape) {
        return weights.computeIfAbsent(name, n -> Nd4j.valueArrayOf(shape, value, DataType.FLOAT));
    }

    public INDArray runningStat(String name, double initial, long... shape) {
        return runningStats.computeIfAbsent(name, n -> Nd4j.valueArrayOf(shape, initial, DataType.FLOAT));
    }

    /** Optimizer state for a weight (e.g. its momentum), created as zeros of the weight's shape. */
    public INDArray optimizerState(String name, INDArray like) {
        return optimizer.computeIfAbsent(name, n -> Nd4j.zeros(DataType.FLOAT, like.shape()));
    }

    public Map<String, INDArray> view(Kind kind) {
        return Collections.unmodifiableMap(map(kind));
    }

    /** Places a tensor read from a file. */
    public void put(Kind kind, String name, INDArray value) {
        map(kind).put(name, value);
    }

    /** Points a weight at the array a graph actually trains (SameDiff may hold its own copy). */
    void rebind(String name, INDArray array) {
        if (!weights.containsKey(name)) {
            throw new IllegalStateException("no weight named " + name);
        }
        weights.put(name, array);
    }

    public void clearOptimizerState() {
        optimizer.clear();
    }

    /** Frees every tensor's native memory now; the parameters must not be used afterwards. */
    public void release() {
        for (Map<String, INDArray> m : List.of(weights, runningStats, optimizer)) {
            for (INDArray a : m.values()) {
                if (a.closeable()) {
                    a.close();
                }
            }
            m.clear();
        }
    }

    /**
     * The first weight or running statistic holding a NaN or an infinity: a model with one answers garbage or
     * nothing, so it must be neither published nor served. Empty when every value is finite.
     */
    public Optional<String> firstNonFinite() {
        for (Kind kind : List.of(Kind.WEIGHT, Kind.RUNNING_STAT)) {
            for (Map.Entry<String, INDArray> e : map(kind).entrySet()) {
                if (BooleanIndexing.or(e.getValue(), Conditions.notFinite())) {
                    return Optional.of(e.getKey());
                }
            }
        }
        return Optional.empty();
    }

    public long weightCount() {
        return weights.values().stream().mapToLong(INDArray::length).sum();
    }

    private Map<String, INDArray> map(Kind kind) {
        return switch (kind) {
            case WEIGHT -> weights;
            case RUNNING_STAT -> runningStats;
            case OPTIMIZER -> optimizer;
        };
    }

    private INDArray gaussian(String name, double std, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
        float[] values = new float[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (gaussianSample(random) * std);
        }
        return Nd4j.create(values, shape, 'c');
    }

    private static double gaussianSample(SplittableRandom random) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
