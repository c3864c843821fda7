package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RecentAccuracyTest {

    @Test
    void isUnknownBeforeAnyScore() {
        assertThat(new RecentAccuracy(3, 4).of(2)).isNaN();
    }

    @Test
    void averagesEachExitOverTheEventsSoFar() {
        RecentAccuracy acc = new RecentAccuracy(2, 4);
        acc.record(new boolean[] {true, true});
        acc.record(new boolean[] {false, true});
        acc.record(new boolean[] {false, true});
        assertThat(acc.of(0)).isCloseTo(1 / 3.0, within(1e-9));
        assertThat(acc.of(1)).isEqualTo(1.0);
    }

    @Test
    void forgetsEventsOlderThanTheWindow() {
        RecentAccuracy acc = new RecentAccuracy(1, 3);
        for (int i = 0; i < 10; i++) {
            acc.record(new boolean[] {true});
        }
        // A shift: the exit is now always wrong, and after one window the old successes no longer count.
        acc.record(new boolean[] {false});
        assertThat(acc.of(0)).isCloseTo(2 / 3.0, within(1e-9));
        acc.record(new boolean[] {false});
        acc.record(new boolean[] {false});
        assertThat(acc.of(0)).isZero();
    }

    @Test
    void anExitWithoutAVerdictCountsAsWrong() {
        RecentAccuracy acc = new RecentAccuracy(3, 2);
        acc.record(new boolean[] {true});
        assertThat(acc.of(0)).isEqualTo(1.0);
        assertThat(acc.of(2)).isZero();
    }

    @Test
    void refusesAnEmptyWindow() {
        assertThatThrownBy(() -> new RecentAccuracy(2, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
