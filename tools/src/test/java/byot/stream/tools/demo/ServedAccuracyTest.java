package byot.stream.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import byot.stream.connectors.format.Prediction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

class ServedAccuracyTest {

    private static final int SPLIT = 10_000;
    private static final long SHIFT = 3_000;
    private static final IntUnaryOperator TRUTH = index -> index % 10;
    private static final ReplayPositions FILE_ORDER = ReplayPositions.fileOrder(SPLIT);

    /**
     * One prediction per event {@code 0..events-1} of loop 0, right where {@code right} says; only every third event
     * carries its label, as in the demo. Shuffled, as two partitions interleave.
     */
    private static List<Prediction> predictions(int events, IntPredicate right, IntPredicate labelled) {
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            int truth = TRUTH.applyAsInt(i);
            int predicted = right.test(i) ? truth : (truth + 1) % 10;
            out.add(new Prediction("test-" + i + "-0", "camera-0", predicted, 0.9, 1, new double[] {0.9}, 1, i, 1,
                    labelled.test(i) ? truth : null));
        }
        Collections.shuffle(out, new Random(1));
        return out;
    }

    /** 90% right before the shift, all wrong for 400 events after it, then all right. */
    private static boolean dipThenRecover(int i) {
        return i < SHIFT ? i % 10 != 0 : i >= SHIFT + 400;
    }

    @Test
    void first1000AfterShiftCountsEveryEventFromTheShiftOn() {
        ServedAccuracy served = ServedAccuracy.score(predictions(6000, ServedAccuracyTest::dipThenRecover, i -> i % 3 == 0),
                TRUTH, FILE_ORDER, SHIFT);
        assertThat(served.firstAfterShift(1000)).isCloseTo(0.6, within(1e-12));
        assertThat(served.beforeShift()).isCloseTo(0.9, within(1e-12));
    }

    @Test
    void unlabelledEventsAreScoredByTheTruthTheirIdNames() {
        // Labelled events all right, unlabelled ones all wrong: over all events 1/3 are right.
        ServedAccuracy served = ServedAccuracy.score(predictions(6000, i -> i % 3 == 0, i -> i % 3 == 0), TRUTH, FILE_ORDER, SHIFT);
        assertThat(served.firstAfterShift(999)).isCloseTo(1.0 / 3, within(1e-12));
    }

    @Test
    void recoveryIsTheEndOfTheFirst500EventWindowBackWithin1ppOfThePreShiftLevel() {
        ServedAccuracy served = ServedAccuracy.score(predictions(6000, ServedAccuracyTest::dipThenRecover, i -> true),
                TRUTH, FILE_ORDER, SHIFT);
        // Reference 0.90, so a window needs 0.89 * 500 = 445 right answers: the window ending at event
        // SHIFT + 400 + 444 is the first that holds 445 events from SHIFT + 400 on.
        assertThat(served.eventsToRecover()).isEqualTo(400 + 445L);
    }

    @Test
    void aWindowJustUnder1ppBelowHasNotRecovered() {
        // After the shift every 10th and every 25th event wrong: 440 of any 500 consecutive right, 0.88 < 0.90 - 0.01.
        ServedAccuracy served = ServedAccuracy.score(predictions(8000,
                i -> i < SHIFT ? i % 10 != 0 : i % 25 != 0 && i % 10 != 0, i -> true), TRUTH, FILE_ORDER, SHIFT);
        assertThat(served.firstAfterShift(1000)).isCloseTo(0.88, within(1e-12));
        assertThat(served.eventsToRecover()).isNull();
    }

    @Test
    void recoveredAtTheFirstWindowWhenTheShiftDoesNotHurt() {
        ServedAccuracy served = ServedAccuracy.score(predictions(6000, i -> i % 10 != 0, i -> true), TRUTH, FILE_ORDER, SHIFT);
        assertThat(served.eventsToRecover()).isEqualTo(500L);
    }

    @Test
    void laterLoopsContinueAfterTheSplitAndARepeatedAnswerCountsOnce() {
        List<Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // Loop 0 right, loop 1 (positions 10..19) wrong.
            int predicted = i < 10 ? i % 10 : (i + 1) % 10;
            predictions.add(new Prediction("test-" + i % 10 + "-" + i / 10, "camera-0", predicted, 0.9, 1,
                    new double[] {0.9}, 1, i, 1, null));
        }
        predictions.add(new Prediction("test-3-1", "camera-0", 3, 0.9, 1, new double[] {0.9}, 1, 99, 1, null));
        ServedAccuracy served = ServedAccuracy.score(predictions, TRUTH, ReplayPositions.fileOrder(10), 10);
        assertThat(served.accuracy(0, 10)).isEqualTo(1.0);
        assertThat(served.firstAfterShift(10)).isEqualTo(0.0);
    }

    @Test
    void inAClassOrderTheShiftCountsEventsInReplayOrderNotByImageIndex() {
        // Ten images of classes index % 10, replayed class 9 first, then 8, ...: image 9 comes first, image 0 last.
        int[] order = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
        List<Prediction> predictions = new ArrayList<>();
        for (int index = 0; index < 10; index++) {
            // Right on the images replayed first (indices 5..9), wrong on the last five.
            int predicted = index >= 5 ? index : (index + 1) % 10;
            predictions.add(new Prediction("test-" + index + "-0", "camera-0", predicted, 0.9, 1, new double[] {0.9}, 1,
                    index, 1, null));
        }
        ServedAccuracy served = ServedAccuracy.score(predictions, TRUTH, ReplayPositions.of(order, 10), 5);
        assertThat(served.beforeShift()).isEqualTo(1.0);
        assertThat(served.firstAfterShift(5)).isEqualTo(0.0);
    }

    @Test
    void anIdThatNamesNoReplayedImageIsAnError() {
        List<Prediction> predictions = List.of(new Prediction("camera-frame", "camera-0", 1, 0.9, 1, new double[] {0.9},
                1, 0, 1, null));
        assertThatThrownBy(() -> ServedAccuracy.score(predictions, TRUTH, FILE_ORDER, SHIFT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("camera-frame");
    }

    @Test
    void noEventsNoAccuracy() {
        ServedAccuracy served = ServedAccuracy.score(List.of(), TRUTH, FILE_ORDER, SHIFT);
        assertThat(served.firstAfterShift(1000)).isNull();
        assertThat(served.eventsToRecover()).isNull();
    }
}
