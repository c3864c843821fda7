package byot.stream.jobs.operators;

import byot.stream.connectors.format.ModelUpdate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Prepares model updates ({@link ModelSlot#prepare}) for an inference instance, one at a time and in arrival order,
 * and hands them back ready to install. {@link #background} does it on a thread of its own, so that decoding a new
 * version does not hold up the events in flight; {@link #onCallingThread} does it at once, where there is nothing to
 * gain (and tests that want every update settled as soon as it is offered).
 */
final class ModelLoader implements AutoCloseable {

    /** Nice value of the loading thread: what inference leaves of the cores, like the learner's default. */
    static final int LOADER_NICE = 19;

    private final Function<ModelUpdate, ModelSlot.Prepared> preparation;
    private final Executor executor;
    private final ArrayDeque<CompletableFuture<ModelSlot.Prepared>> inFlight = new ArrayDeque<>();
    /** The updates of {@link #inFlight}, in the same order: what a snapshot records of them. */
    private final ArrayDeque<ModelUpdate> submitted = new ArrayDeque<>();

    /**
     * @param preparation what preparing is ({@link ModelSlot#prepare})
     * @param executor    where preparations run, one at a time; {@code Runnable::run} prepares on the calling thread
     */
    ModelLoader(Function<ModelUpdate, ModelSlot.Prepared> preparation, Executor executor) {
        this.preparation = preparation;
        this.executor = executor;
    }

    static ModelLoader background(ModelSlot slot, String threadName) {
        ExecutorService executor = Executors.newSingleThreadExecutor(task -> {
            // Behind inference and on one OpenMP thread: nothing waits for a preparation but the swap itself, while
            // a decode at inference's priority on its cores (two OpenMP teams on two cores) slowed every batch
            // during it (p99 640-809 ms at half load, against 153-187 ms with the swap done in place).
            Thread thread = new Thread(() -> {
                ThreadNice.lower(LOADER_NICE);
                LearnerThreads.limitCallingThread(1);
                task.run();
            }, threadName);
            thread.setDaemon(true);
            return thread;
        });
        return new ModelLoader(slot::prepare, executor);
    }

    static ModelLoader onCallingThread(ModelSlot slot) {
        return new ModelLoader(slot::prepare, Runnable::run);
    }

    /** Starts preparing {@code update}; returns at once in the background. */
    void submit(ModelUpdate update) {
        inFlight.add(CompletableFuture.supplyAsync(() -> prepare(update), executor));
        submitted.add(update);
    }

    /**
     * The preparations that are done, oldest first, up to the first that is not.
     *
     * @param waitForAll wait until every submitted update is prepared (before a checkpoint: it records what is served)
     */
    List<ModelSlot.Prepared> ready(boolean waitForAll) {
        List<ModelSlot.Prepared> out = new ArrayList<>();
        while (!inFlight.isEmpty() && (waitForAll || inFlight.peek().isDone())) {
            out.add(inFlight.poll().join());
            submitted.poll();
        }
        return out;
    }

    /** Payloads of the updates submitted and not yet handed back by {@link #ready}, oldest first. */
    List<byte[]> pendingPayloads() {
        return submitted.stream().map(ModelUpdate::payload).toList();
    }

    /** True when no update is being prepared or waiting to be installed. */
    boolean settled() {
        return inFlight.isEmpty();
    }

    private ModelSlot.Prepared prepare(ModelUpdate update) {
        try {
            return preparation.apply(update);
        } catch (RuntimeException e) {
            // Out of native memory, say: the update is refused with the reason, and the served model keeps serving.
            return ModelSlot.Prepared.refused(update, "could not load: " + e);
        }
    }

    /** Stops the thread and frees what was prepared and not installed. */
    @Override
    public void close() throws InterruptedException {
        if (executor instanceof ExecutorService service) {
            service.shutdown();
            if (!service.awaitTermination(10, TimeUnit.SECONDS)) {
                service.shutdownNow();
            }
        }
        for (CompletableFuture<ModelSlot.Prepared> pending : inFlight) {
            if (pending.isDone() && !pending.isCompletedExceptionally()) {
                pending.join().discard();
            }
        }
        inFlight.clear();
        submitted.clear();
    }
}
