package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.jobs.SyntheticImages;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The learner's time share: steps of 8 new events in batches of 16 ({@code FineTuneOperatorTest.CONFIG}). */
class FineTunePacingTest {

    private final List<ImageEvent> events = SyntheticImages.events(40, 10, 1.0, false, 3, "e-", 1_000L);

    @Test
    void withoutABudgetEveryEightLabelledEventsMakeAStep() throws Exception {
        try (var harness = FineTuneOperatorTest.harness(LearnerBudget.UNBOUNDED)) {
            harness.open();
            FineTuneOperatorTest.feed(harness, events);
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).hasSize(40);
        }
    }

    /**
     * A thousandth of the time: after the first step the learner rests (about a thousand times that step, in
     * processing time, which the harness holds still). Meanwhile new events fill the next step's batch, and those
     * beyond it go to the replay reservoir without a step of their own, so the learner never falls behind its input.
     */
    @Test
    void aLearnerOverItsShareRestsAndKeepsOnlyOneBatchWaiting() throws Exception {
        try (var harness = FineTuneOperatorTest.harness(new LearnerBudget(1, 0.001, 0))) {
            harness.open();
            FineTuneOperatorTest.feed(harness, events);
            assertThat(harness.getSideOutput(FineTuneOperator.SCORES)).hasSize(8);

            harness.setProcessingTime(Long.MAX_VALUE / 2); // the rest is over: the waiting batch of 16 steps
            var scores = harness.getSideOutput(FineTuneOperator.SCORES);
            assertThat(scores).hasSize(24);
            // The 16 newest events made the second step; the 16 before them were only added to the replay.
            assertThat(scores.stream().skip(8).map(r -> r.getValue().id()))
                    .containsExactlyElementsOf(events.subList(24, 40).stream().map(ImageEvent::id).toList());
        }
    }
}
