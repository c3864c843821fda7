package byot.stream.jobs.operators;

import byot.stream.connectors.format.ModelUpdate;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.runtime.OpenMpThreads;
import byot.stream.model.spec.InputShape;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares model updates for {@link EarlyExitOperator} through its {@link ModelSlot}: inline, or on a thread of its
 * own. Decoding a ResNet18 ×0.25 version, checking it and building its snapshot takes 30-240 ms on the 2-core
 * development machine, and the first batch through a new snapshot another 30-200 ms while its arrays are
 * allocated; on the task thread every event in flight waits for that at every publication. On its own thread the
 * preparer also runs one full-depth batch through the new snapshot before handing it over, so the task thread
 * gets a warm one. Results come back in arrival order; the task thread installs them when it next looks.
 */
final class ModelPreparer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPreparer.class);

    /** One update on its way, with what became of it once done. */
    private record Pending(ModelUpdate update, CompletableFuture<ModelSlot.Prepared> result) {}

    private final ModelSlot slot;
    /** Where preparations run; null: inline. */
    private final Executor thread;
    private final int warmBatch;
    private final Deque<Pending> pending = new ArrayDeque<>();

    /**
     * @param thread    where to prepare (its tasks run one at a time, in order; shut down at {@link #close} if it is
     *                  an {@link ExecutorService}); null prepares inline, at {@link #submit}
     * @param warmBatch images in the warm-up batch run through each new snapshot off the task thread
     */
    ModelPreparer(ModelSlot slot, Executor thread, int warmBatch) {
        this.slot = slot;
        this.warmBatch = warmBatch;
        this.thread = thread;
    }

    /** Linux nice value of the preparing thread: below inference's task thread (0), above the learner's (19). */
    static final int PREPARER_NICE = 10;

    /** A daemon thread of its own, named {@code name}. */
    static ExecutorService ownThread(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            // Background work with no deadline: at normal priority and OMP_NUM_THREADS its decode and warm-up batch
            // competed with the task thread for the cores, and slow answers came in bursts before swaps
            // (docs/benchmarks.md). Niced and on one OpenMP thread it takes what inference leaves idle. Nice 10, not the
            // learner's 19: a new version should not wait for the learner's steps to leave a core free (they take every
            // idle cycle in the demo), or a version that maps a new input domain reached inference seconds late.
            Thread t = new Thread(() -> {
                try {
                    ThreadNice.lower(PREPARER_NICE);
                    OpenMpThreads.limitCallingThread(1);
                } catch (RuntimeException | LinkageError e) {
                    // Swaps must still happen: without this the pool's only worker died and every update waited.
                    LOG.warn("could not lower the model-swap thread's priority or OpenMP threads ({}); it runs at"
                            + " normal priority", e.toString());
                }
                r.run();
            }, name);
            t.setDaemon(true);
            return t;
        });
    }

    void submit(ModelUpdate update) {
        CompletableFuture<ModelSlot.Prepared> result = thread == null
                ? CompletableFuture.completedFuture(slot.prepare(update))
                : CompletableFuture.supplyAsync(() -> warm(slot.prepare(update)), thread);
        pending.add(new Pending(update, result));
    }

    /** What is done, in arrival order, up to the first update still being prepared. */
    List<ModelSlot.Prepared> completed() {
        List<ModelSlot.Prepared> done = new ArrayList<>();
        while (!pending.isEmpty() && pending.peek().result().isDone()) {
            done.add(result(pending.poll()));
        }
        return done;
    }

    /** Updates submitted and not yet handed back by {@link #completed}: what a checkpoint must remember. */
    List<ModelUpdate> inFlight() {
        return pending.stream().map(Pending::update).toList();
    }

    /** Waits for every update submitted so far and hands back what became of them (for tests and end of input). */
    List<ModelSlot.Prepared> awaitAll() {
        List<ModelSlot.Prepared> done = new ArrayList<>();
        while (!pending.isEmpty()) {
            done.add(result(pending.poll()));
        }
        return done;
    }

    private ModelSlot.Prepared warm(ModelSlot.Prepared prepared) {
        if (prepared instanceof ModelSlot.Ready ready && warmBatch > 0) {
            InputShape in = slot.spec().input();
            ready.classifier().classify(Nd4j.zeros(DataType.FLOAT, warmBatch, in.channels(), in.height(), in.width()),
                    ExitPolicy.fullDepth(ready.classifier().exits()));
        }
        return prepared;
    }

    private static ModelSlot.Prepared result(Pending p) {
        try {
            return p.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing model version " + p.update().modelVersion(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("preparing model version " + p.update().modelVersion() + " failed", e.getCause());
        }
    }

    /** Stops the thread; snapshots prepared and never installed are freed. */
    @Override
    public void close() {
        if (thread instanceof ExecutorService service) {
            service.shutdownNow();
            try {
                service.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Pending p : pending) {
            p.result().thenAccept(prepared -> {
                if (prepared instanceof ModelSlot.Ready ready) {
                    ready.classifier().close();
                }
            });
        }
        pending.clear();
    }
}
