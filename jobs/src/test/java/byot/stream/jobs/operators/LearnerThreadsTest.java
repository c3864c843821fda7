package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LearnerThreadsTest {

    /** The learner's limit must not reach inference: OpenMP's thread count is per calling thread. */
    @Test
    void theLimitHoldsOnTheCallingThreadOnly() throws Exception {
        int before = LearnerThreads.ofCallingThread();
        AtomicInteger inLearner = new AtomicInteger();
        Thread learner = new Thread(() -> {
            LearnerThreads.limitCallingThread(1);
            inLearner.set(LearnerThreads.ofCallingThread());
        });
        learner.start();
        learner.join();
        assertThat(inLearner.get()).isEqualTo(1);
        assertThat(LearnerThreads.ofCallingThread()).isEqualTo(before);
    }

    @Test
    void zeroLeavesTheProcessDefault() throws Exception {
        int before = LearnerThreads.ofCallingThread();
        AtomicInteger inLearner = new AtomicInteger();
        Thread learner = new Thread(() -> {
            LearnerThreads.limitCallingThread(0);
            inLearner.set(LearnerThreads.ofCallingThread());
        });
        learner.start();
        learner.join();
        assertThat(inLearner.get()).isEqualTo(before);
    }
}
