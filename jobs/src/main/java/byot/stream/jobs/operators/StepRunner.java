package byot.stream.jobs.operators;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.flink.api.common.operators.MailboxExecutor;

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

    /** A result, or why there is none, and how long the work took. */
    record Outcome<T>(T value, RuntimeException failure, long nanos) {
        /** The result; the work's failure is thrown on the calling (task) thread, where it fails the task. */
        T get() {
            if (failure != null) {
                throw failure;
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

    static <T> Outcome<T> outcome(Supplier<T> work) {
        long start = System.nanoTime();
        try {
            return new Outcome<>(work.get(), null, System.nanoTime() - start);
        } catch (RuntimeException e) {
            return new Outcome<>(null, e, System.nanoTime() - start);
        }
    }

    /** Work on the task thread itself, done before {@link #start} returns: what tests and the job before it did. */
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
     * through {@code mailbox}.
     */
    static StepRunner background(MailboxExecutor mailbox, LearnerBudget budget, String name) {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        thread.execute(budget::applyToCallingThread);
        return new StepRunner() {
            @Override
            <T> void run(Supplier<T> work, Consumer<Outcome<T>> done) {
                thread.execute(() -> {
                    Outcome<T> outcome = outcome(work);
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
