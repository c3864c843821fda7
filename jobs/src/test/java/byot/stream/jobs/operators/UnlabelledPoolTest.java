package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.jobs.SyntheticImages;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A step takes the unlabelled events once a full share has gathered, so a batch has one of two sizes. */
class UnlabelledPoolTest {

    private final List<ImageEvent> events = SyntheticImages.events(12, 10, 0.0, false, 1, "u-", 0);

    @Test
    void nothingIsTakenUntilThePoolIsFullThenEverythingOldestFirst() {
        UnlabelledPool pool = new UnlabelledPool(4, List.of());
        for (int i = 0; i < 3; i++) {
            pool.offer(events.get(i));
            assertThat(pool.drain()).isEmpty();
        }
        assertThat(pool.contents()).hasSize(3);   // kept for a later step, not dropped
        pool.offer(events.get(3));
        assertThat(pool.drain()).containsExactlyElementsOf(events.subList(0, 4));
        assertThat(pool.contents()).isEmpty();
    }

    @Test
    void aFullPoolKeepsTheNewestAndTheLastStepTakesWhateverWaits() {
        UnlabelledPool pool = new UnlabelledPool(4, events.subList(0, 6));   // restored beyond capacity: the newest 4
        assertThat(pool.contents()).containsExactlyElementsOf(events.subList(2, 6));
        pool.offer(events.get(6));
        assertThat(pool.contents()).containsExactlyElementsOf(events.subList(3, 7));
        pool.drain();
        pool.offer(events.get(7));
        assertThat(pool.drain()).isEmpty();
        assertThat(pool.drainAll()).containsExactly(events.get(7));
    }

    @Test
    void aPoolOfNoCapacityHoldsNothing() {
        UnlabelledPool pool = new UnlabelledPool(0, List.of());
        pool.offer(events.get(0));
        assertThat(pool.drain()).isEmpty();
        assertThat(pool.drainAll()).isEmpty();
    }
}
