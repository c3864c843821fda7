package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StepPacerTest {

    @Test
    void aQuarterShareRestsThreeTimesAsLongAsTheStepTook() {
        StepPacer pacer = new StepPacer(0.25, 0);
        assertThat(pacer.mayStep(0)).isTrue();
        pacer.stepped(1_100, 100_000_000L, 1.0); // a step of 100 ms ending at 1.1 s, kept off the CPU throughout
        assertThat(pacer.mayStep(1_399)).isFalse();
        assertThat(pacer.mayStep(1_400)).isTrue();
        assertThat(pacer.restUntil()).isEqualTo(1_400);
    }

    @Test
    void aWholeShareNeverRests() {
        StepPacer pacer = new StepPacer(1.0, 0);
        pacer.stepped(500, 400_000_000L, 1.0);
        assertThat(pacer.mayStep(500)).isTrue();
    }

    @Test
    void aSlowerStepEarnsALongerRest() {
        StepPacer pacer = new StepPacer(0.5, 0);
        pacer.stepped(1_000, 50_000_000L, 1.0);
        long afterFast = pacer.restUntil();
        pacer.stepped(1_000, 300_000_000L, 1.0);
        assertThat(afterFast).isEqualTo(1_050);
        assertThat(pacer.restUntil()).isEqualTo(1_300);
    }

    /** The rest is for inference's sake: a step the machine let run undisturbed earns none, a half-disturbed one half. */
    @Test
    void theRestScalesWithHowLongTheLearnerWasKeptOffTheCpu() {
        StepPacer pacer = new StepPacer(0.5, 0);
        pacer.stepped(1_000, 100_000_000L, 0.0);
        assertThat(pacer.mayStep(1_000)).isTrue();
        pacer.stepped(2_000, 100_000_000L, 0.5);
        assertThat(pacer.restUntil()).isEqualTo(2_050);
        pacer.stepped(3_000, 100_000_000L, 1.0);
        assertThat(pacer.restUntil()).isEqualTo(3_100);
        pacer.stepped(4_000, 100_000_000L, 7.0);   // clamped: never more than the plain share's rest
        assertThat(pacer.restUntil()).isEqualTo(4_100);
        pacer.stepped(5_000, 100_000_000L, Double.NaN);
        assertThat(pacer.restUntil()).as("an unknown contention rests as a plain share").isEqualTo(5_100);
    }

    @Test
    void contentionIsTheShareOfTheStepItsThreadDidNotRun() {
        assertThat(StepRunner.Outcome.contention(100, 100)).isZero();
        assertThat(StepRunner.Outcome.contention(100, 120)).as("clock granularity").isZero();
        assertThat(StepRunner.Outcome.contention(100, 25)).isEqualTo(0.75);
        assertThat(StepRunner.Outcome.contention(100, -1)).as("not measured").isEqualTo(1);
        assertThat(StepRunner.Outcome.contention(0, 0)).isEqualTo(1);
    }

    @Test
    void aSleepingStepCountsAsKeptOffTheCpuAndABusyOneDoesNot() {
        StepRunner.Outcome<Integer> asleep = StepRunner.outcome(() -> {
            try {
                Thread.sleep(60);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 1;
        }, true);
        assertThat(asleep.contention()).isGreaterThan(0.8);
        StepRunner.Outcome<Integer> busy = StepRunner.outcome(() -> {
            long end = System.nanoTime() + 60_000_000L;
            long x = 0;
            while (System.nanoTime() < end) {
                x++;
            }
            return (int) x;
        }, true);
        assertThat(busy.cpuNanos()).isPositive();
        assertThat(busy.contention()).isLessThan(asleep.contention());
        assertThat(StepRunner.outcome(() -> 1).cpuNanos()).as("on the task thread: not measured").isEqualTo(-1);
    }

    @Test
    void anUndisturbedStepIsFollowedByTheIdleThreadCount() {
        LearnerBudget budget = new LearnerBudget(1, 0.5, 19, true, 0);
        assertThat(budget.threadsAfter(0.0, 2)).as("idle: the process default").isEqualTo(2);
        assertThat(budget.threadsAfter(0.3, 2)).isEqualTo(1);
        assertThat(budget.threadsAfter(1.0, 2)).isEqualTo(1);
        assertThat(new LearnerBudget(1, 0.5, 19).threadsAfter(0.0, 2)).as("the same threads either way").isEqualTo(1);
        assertThat(new LearnerBudget(0, 0.5, 19, true, 1).threadsAfter(1.0, 4)).isEqualTo(4);
        assertThatThrownBy(() -> new LearnerBudget(1, 0.5, 19, true, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("idle threads");
    }

    @Test
    void sharesOutsideZeroToOneAreRefused() {
        assertThatThrownBy(() -> new StepPacer(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LearnerBudget(1, 1.5, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> new LearnerBudget(-1, 0.5, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads");
    }
}
