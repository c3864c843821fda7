package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.model.runtime.OpenMpThreads;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.tasks.StreamTaskActionExecutor;
import org.apache.flink.streaming.runtime.tasks.mailbox.MailboxExecutorImpl;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl;
import org.junit.jupiter.api.Test;

/**
 * The learner's own step thread picks each step's OpenMP threads from the step before it: the budget's count
 * under load, its idle count after a step the machine left undisturbed. Outcomes come back through a real
 * task mailbox, drained on this thread as the task thread drains it.
 */
class StepRunnerTest {

    @Test
    void aStepAfterAnUndisturbedOneTakesTheIdleThreadCount() throws Exception {
        TaskMailboxImpl mailbox = new TaskMailboxImpl(Thread.currentThread());
        MailboxExecutorImpl executor = new MailboxExecutorImpl(mailbox, 0, StreamTaskActionExecutor.IMMEDIATE);
        LearnerBudget budget = new LearnerBudget(1, 0.5, 0, true, 2);
        List<Integer> threads = new ArrayList<>();
        List<Double> contention = new ArrayList<>();
        try (StepRunner runner = StepRunner.background(executor, budget, "test-learner-steps")) {
            // First step: nothing measured yet, so the count under load.
            run(runner, () -> sleep(80), threads, contention);
            // After a step spent asleep (off the CPU): still the count under load.
            run(runner, () -> spin(250), threads, contention);
            // After a step spent computing on an otherwise idle machine: the idle count.
            run(runner, () -> sleep(1), threads, contention);
        }
        assertThat(contention.get(0)).as("asleep: kept off the CPU").isGreaterThan(0.8);
        assertThat(threads.get(0)).isEqualTo(1);
        assertThat(threads.get(1)).isEqualTo(1);
        assertThat(contention.get(1)).as("spinning alone: on the CPU throughout").isLessThan(LearnerBudget.UNDISTURBED);
        assertThat(threads.get(2)).isEqualTo(2);
    }

    /** An Error on the step thread (JavaCPP's off-heap OutOfMemoryError) used to leave the learner busy forever. */
    @Test
    void anErrorInTheWorkComesBackToTheTaskThreadAndTheRunnerIsIdleAgain() throws Exception {
        TaskMailboxImpl mailbox = new TaskMailboxImpl(Thread.currentThread());
        MailboxExecutorImpl executor = new MailboxExecutorImpl(mailbox, 0, StreamTaskActionExecutor.IMMEDIATE);
        List<StepRunner.Outcome<Integer>> outcomes = new ArrayList<>();
        try (StepRunner runner = StepRunner.background(executor, new LearnerBudget(1, 0.5, 0, true, 2), "test-learner-error")) {
            runner.<Integer>start(() -> {
                throw new OutOfMemoryError("Cannot allocate new FloatPointer");
            }, outcomes::add);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (runner.busy() && System.nanoTime() < deadline) {
                executor.yield();
            }
            assertThat(runner.busy()).as("the outcome was handed back").isFalse();
            runner.start(() -> 7, outcomes::add);
            runner.awaitIdle();
        }
        assertThat(outcomes).hasSize(2);
        assertThat(outcomes.get(0).failure()).isInstanceOf(OutOfMemoryError.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(outcomes.get(0)::get).as("rethrown on the task thread")
                .isInstanceOf(OutOfMemoryError.class);
        assertThat(outcomes.get(1).get()).isEqualTo(7);
    }

    private static void run(StepRunner runner, Runnable work, List<Integer> threads, List<Double> contention)
            throws InterruptedException {
        runner.start(() -> {
            threads.add(OpenMpThreads.ofCallingThread());
            work.run();
            return 0;
        }, outcome -> contention.add(outcome.contention()));
        runner.awaitIdle();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void spin(long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        long x = 0;
        while (System.nanoTime() < end) {
            x += System.nanoTime() & 1;
        }
        if (x == 42) {
            System.out.print("");
        }
    }
}
