package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ImageEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class HoldoutTest {

    private static ImageEvent event(int i) {
        return new ImageEvent("e" + i, i, "camera", i % 10, 1, 1, 1, byot.stream.connectors.format.PixelEncoding.RAW_UINT8, new byte[] {1});
    }

    @Test
    void everyKthLabelledEventIsHeldOutAndOnlyTheNewestAreKept() {
        Holdout holdout = new Holdout(3, 2, List.of(), 0);
        boolean[] taken = new boolean[9];
        for (int i = 0; i < 9; i++) {
            taken[i] = holdout.take(event(i));
        }
        assertThat(taken).containsExactly(false, false, true, false, false, true, false, false, true);
        assertThat(holdout.events()).extracting(ImageEvent::id).containsExactly("e5", "e8");
    }

    /** After a drift alarm the old world's events must not judge candidates adapting to the new one. */
    @Test
    void forgettingEmptiesTheSliceButKeepsTheCountSoTheSameEventsAreChosen() {
        Holdout holdout = new Holdout(2, 10, List.of(), 0);
        for (int i = 0; i < 6; i++) {
            holdout.take(event(i));
        }
        holdout.forget();
        assertThat(holdout.events()).isEmpty();
        assertThat(holdout.labelled()).isEqualTo(6);
        assertThat(holdout.take(event(6))).isFalse();
        assertThat(holdout.take(event(7))).isTrue();
        assertThat(holdout.events()).extracting(ImageEvent::id).containsExactly("e7");
    }
}
