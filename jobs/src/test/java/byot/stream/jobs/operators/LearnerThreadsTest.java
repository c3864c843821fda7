package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.model.runtime.OpenMpThreads;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LearnerThreadsTest {

    /** The learner's limit must not reach inference: OpenMP's thread count is per calling thread. */
    @Test
    void theLimitHoldsOnTheCallingThreadOnly() throws Exception {
        int before = OpenMpThreads.ofCallingThread();
        AtomicInteger inLearner = new AtomicInteger();
        Thread learner = new Thread(() -> {
            OpenMpThreads.limitCallingThread(1);
            inLearner.set(OpenMpThreads.ofCallingThread());
        });
        learner.start();
        learner.join();
        assertThat(inLearner.get()).isEqualTo(1);
        assertThat(OpenMpThreads.ofCallingThread()).isEqualTo(before);
    }

    @Test
    void zeroLeavesTheProcessDefault() throws Exception {
        int before = OpenMpThreads.ofCallingThread();
        AtomicInteger inLearner = new AtomicInteger();
        Thread learner = new Thread(() -> {
            OpenMpThreads.limitCallingThread(0);
            inLearner.set(OpenMpThreads.ofCallingThread());
        });
        learner.start();
        learner.join();
        assertThat(inLearner.get()).isEqualTo(before);
    }

    /** Nice is per thread on Linux: the learner's lower priority must not reach the thread that serves. */
    @Test
    void theLearnersNiceValueHoldsOnItsThreadOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ThreadNice.ofCallingThread().isPresent(), "not Linux");
        int before = ThreadNice.ofCallingThread().getAsInt();
        AtomicInteger inLearner = new AtomicInteger(-100);
        Thread learner = new Thread(() -> {
            if (new LearnerBudget(1, 1.0, 19).applyToCallingThread()) {
                inLearner.set(ThreadNice.ofCallingThread().getAsInt());
            }
        });
        learner.start();
        learner.join();
        assertThat(inLearner.get()).isEqualTo(19);
        assertThat(ThreadNice.ofCallingThread().getAsInt()).isEqualTo(before);
    }
}
