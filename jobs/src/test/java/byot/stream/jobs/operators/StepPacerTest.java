package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StepPacerTest {

    @Test
    void aQuarterShareRestsThreeTimesAsLongAsTheStepTook() {
        StepPacer pacer = new StepPacer(0.25, 0);
        assertThat(pacer.mayStep(0)).isTrue();
        pacer.stepped(1_100, 100_000_000L); // a step of 100 ms ending at 1.1 s
        assertThat(pacer.mayStep(1_399)).isFalse();
        assertThat(pacer.mayStep(1_400)).isTrue();
        assertThat(pacer.restUntil()).isEqualTo(1_400);
    }

    @Test
    void aWholeShareNeverRests() {
        StepPacer pacer = new StepPacer(1.0, 0);
        pacer.stepped(500, 400_000_000L);
        assertThat(pacer.mayStep(500)).isTrue();
    }

    @Test
    void aSlowerStepEarnsALongerRest() {
        StepPacer pacer = new StepPacer(0.5, 0);
        pacer.stepped(1_000, 50_000_000L);
        long afterFast = pacer.restUntil();
        pacer.stepped(1_000, 300_000_000L);
        assertThat(afterFast).isEqualTo(1_050);
        assertThat(pacer.restUntil()).isEqualTo(1_300);
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
