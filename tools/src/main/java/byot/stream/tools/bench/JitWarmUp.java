package byot.stream.tools.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Runs a pipeline until the JIT compiler has settled, so a benchmark measures the pipeline in service rather than the
 * process warming up. One process here hosts the broker, Flink and the model; on two cores its JIT compiler kept 0.4-0.7
 * of a core busy for the first minute of a half-load run (over 20,000 methods compiled), and that minute's p99 was
 * 150-430 ms per 10 s window against 70-100 ms once compiling fell under a tenth of a core (docs/benchmarks.md,
 * "JIT warm-up"). A fixed share of the events (the first tenth) did not cover it.
 *
 * <p>Warm-up sends chunks of events and waits for their answers, and stops after the first chunk during which the
 * JIT compiled for less than {@link #SETTLED_CORES} of a core, or when {@code max} has passed.
 */
final class JitWarmUp {

    /** Compile time per second of wall-clock time below which the JIT counts as settled. */
    static final double SETTLED_CORES = 0.1;

    /** One chunk of warm-up traffic: sends it, waits for its answers, returns how many events it sent. */
    @FunctionalInterface
    interface Chunk {
        int sendAndAwait(int index) throws Exception;
    }

    /** What a warm-up took: its length, its events, the JIT's compile time per second in its last chunk. */
    record Result(double seconds, int events, double lastChunkJitCores, boolean settled) {
        static final Result NONE = new Result(0, 0, 0, true);
    }

    private final Duration max;
    private final LongSupplier compileMillis;

    JitWarmUp(Duration max) {
        this(max, JitWarmUp::jitCompileMillis);
    }

    /** With another source of compile time (tests). */
    JitWarmUp(Duration max, LongSupplier compileMillis) {
        if (max.isNegative()) {
            throw new IllegalArgumentException("warm-up of at most " + max + ": must not be negative");
        }
        this.max = max;
        this.compileMillis = compileMillis;
    }

    Result run(Chunk chunk) throws Exception {
        if (max.isZero()) {
            return Result.NONE;
        }
        long start = System.nanoTime();
        int events = 0;
        double cores = Double.NaN;
        for (int i = 0; System.nanoTime() - start < max.toNanos(); i++) {
            long compileBefore = compileMillis.getAsLong();
            long chunkStart = System.nanoTime();
            events += chunk.sendAndAwait(i);
            cores = (compileMillis.getAsLong() - compileBefore) / ((System.nanoTime() - chunkStart) / 1e6);
            if (cores < SETTLED_CORES) {
                return new Result((System.nanoTime() - start) / 1e9, events, cores, true);
            }
        }
        return new Result((System.nanoTime() - start) / 1e9, events, cores, false);
    }

    /** Compile time so far; 0 throughout where the JVM has no JIT or does not time it (then one chunk settles it). */
    private static long jitCompileMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }
}
