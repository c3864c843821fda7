package byot.stream.jobs.operators;

import byot.stream.model.runtime.OpenMpThreads;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the fine-tuner's long computations run: a training step's forward and backward passes, and the publish
 * gate's scoring of a candidate. Each reads the model and changes none of it; the result is always handed back on
 * the operator's task thread, which alone applies it (moves the weights, publishes, or refuses).
 *
 * <p>Why a thread of its own ({@link #background}): Flink forwards a checkpoint barrier only when the task thread
 * gets to it, and the inference operators wait, events unanswered, until the barrier from the learner's broadcast
 * of model updates has arrived (a broadcast input is always aligned). On a shared machine a step takes hundreds of
 * milliseconds, so every checkpoint that fell inside one stalled inference for the rest of it. With the passes on
 * their own thread the task thread takes the barrier at once; the step's gradients are applied after it, so the
 * checkpoint holds the weights from before the step and the step's events as still waiting for it. The task thread
 * also keeps reading its input, so the learner's share of the events never backs up into the source that feeds
 * inference.
 */
abstract class StepRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);

    /**
     * A result, or why there is none, how long the work took, and how much of that time the thread that did it ran
     * on a CPU (-1 where the JVM does not measure thread CPU time).
     */
    record Outcome<T>(T value, Throwable failure, long nanos, long cpuNanos) {

        /** The fraction of the work's time its thread could not run, in [0, 1]; 1 where not measured. */
        double contention() {
            return contention(nanos, cpuNanos);
        }

        static double contention(long nanos, long cpuNanos) {
            if (cpuNanos < 0 || nanos <= 0) {
                return 1;
            }
            return Math.min(1, Math.max(0, 1 - (double) cpuNanos / nanos));
        }

        /** The result; the work's failure is thrown on the calling (task) thread, where it fails the task. */
        T get() {
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw new IllegalStateException("the learner's work failed", failure);
            }
            return value;
        }
    }

    private boolean busy;

    /**
     * Runs {@code work}, then {@code done} with its outcome on the task thread. One at a time: the caller starts the
     * next only after {@code done} of this one has run.
     */
    final <T> void start(Supplier<T> work, Consumer<Outcome<T>> done) {
        if (busy) {
            throw new IllegalStateException("the learner's work is already running");
        }
        busy = true;
        run(work, outcome -> {
            busy = false;
            done.accept(outcome);
        });
    }

    /** Whether work has started and its {@code done} has not run yet. */
    final boolean busy() {
        return busy;
    }

    abstract <T> void run(Supplier<T> work, Consumer<Outcome<T>> done);

    /** Returns once nothing runs, having run the last {@code done}. Called on the task thread. */
    abstract void awaitIdle() throws InterruptedException;

    /** Waits for running work to end (it reads the model's native memory) and stops the thread. */
    @Override
    public abstract void close() throws InterruptedException;

    /** The work's outcome, its CPU time not measured. */
    static <T> Outcome<T> outcome(Supplier<T> work) {
        return outcome(work, false);
    }

    static <T> Outcome<T> outcome(Supplier<T> work, boolean measureCpu) {
        long cpuStart = measureCpu ? threadCpuNanos() : -1;
        long start = System.nanoTime();
        T value = null;
        Throwable failure = null;
        try {
            value = work.get();
        } catch (RuntimeException | Error e) {
            // Errors too (JavaCPP's OutOfMemoryError for off-heap memory): a background runner must still hand an
            // outcome back, or the learner waits for it forever and never fails.
            failure = e;
        }
        long nanos = System.nanoTime() - start;
        long cpuEnd = measureCpu ? threadCpuNanos() : -1;
        return new Outcome<>(value, failure, nanos, cpuStart < 0 || cpuEnd < 0 ? -1 : cpuEnd - cpuStart);
    }

    /** The calling thread's CPU time, or -1 where the JVM does not measure it. */
    private static long threadCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
    }

    /**
     * Work on the task thread itself, done before {@link #start} returns: what tests and the job before it did. Its
     * CPU time is not measured, so its steps count as disturbed: a plain time share.
     */
    static StepRunner inline() {
        return new StepRunner() {
            @Override
            <T> void run(Supplier<T> work, Consumer<Outcome<T>> done) {
                done.accept(outcome(work));
            }

            @Override
            void awaitIdle() {
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * Work on a thread of its own that takes {@code budget} (OpenMP threads, nice value) first; outcomes come back
     * through {@code mailbox}. Each piece of work runs on the budget's threads for a machine under load, or on its
     * threads for an idle one when the piece before ran without contention ({@link LearnerBudget#threadsAfter}).
     */
    static StepRunner background(MailboxExecutor mailbox, LearnerBudget budget, String name) {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        // Written and read on the runner's thread only.
        double[] lastContention = {1};
        int[] processThreads = {0};
        thread.execute(() -> {
            try {
                processThreads[0] = OpenMpThreads.ofCallingThread();
                if (!budget.applyToCallingThread()) {
                    LOG.warn("could not lower the learner's step thread's priority to nice {} on this system; its steps"
                            + " compete with inference", budget.nice());
                }
            } catch (RuntimeException | Error e) {
                // A native library that cannot load (JNA on a noexec /tmp): steps still run, at normal priority.
                LOG.warn("could not set up the learner's step thread ({}); its steps run with the process's threads and"
                        + " priority", e.toString());
            }
        });
        return new StepRunner() {
            @Override
            <T> void run(Supplier<T> work, Consumer<Outcome<T>> done) {
                thread.execute(() -> {
                    // The thread's set-up inside the outcome: whatever fails here reaches the task thread too.
                    Outcome<T> outcome = outcome(() -> {
                        OpenMpThreads.setCallingThread(budget.threadsAfter(lastContention[0], processThreads[0]));
                        return work.get();
                    }, true);
                    lastContention[0] = outcome.contention();
                    try {
                        mailbox.execute(() -> done.accept(outcome), "apply the learner's work");
                    } catch (RejectedExecutionException e) {
                        // The task is ending (its mailbox no longer takes mail): nothing is left to apply it to, and a
                        // restore starts from the checkpoint, which never holds work in progress.
                    }
                });
            }

            @Override
            void awaitIdle() throws InterruptedException {
                while (busy()) {
                    mailbox.yield();
                }
            }

            @Override
            public void close() throws InterruptedException {
                thread.shutdown();
                if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a training step still runs after 60 s; its native memory is not freed");
                }
            }
        };
    }
}
