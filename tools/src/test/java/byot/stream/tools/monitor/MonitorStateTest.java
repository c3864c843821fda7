package byot.stream.tools.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.MalformedRecordException.Reason;
import byot.stream.connectors.format.MetricsWindow;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MonitorStateTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final MonitorState state = new MonitorState(3, 2, "broker:9092", "metrics", "dead-letter", now::get);

    /** A window of {@code histogram} predictions by {@code version}, half of them labelled, exit k right k times. */
    static MetricsWindow window(long start, long version, long[] histogram, double throughput, double p99) {
        long count = java.util.Arrays.stream(histogram).sum();
        long[] correct = new long[histogram.length];
        long[] labeled = new long[histogram.length];
        for (int i = 0; i < histogram.length; i++) {
            labeled[i] = count / 2;
            correct[i] = Math.min(i + 1, labeled[i]);
        }
        return new MetricsWindow(start, start + 1_000, version, count, histogram, correct, labeled, 0.8, throughput,
                p99 / 4, p99 / 2, p99, 0);
    }

    static MetricsWindow deadLettersOnly(long start, long deadLetters, int exits) {
        return new MetricsWindow(start, start + 1_000, -1, 0, new long[exits], new long[exits], new long[exits], 0, 0, 0, 0,
                0, deadLetters);
    }

    @Test
    void windowsOfOneTimeSpanAreMergedAcrossModelVersions() {
        state.add(window(0, 3, new long[] {6, 2, 1, 1}, 10, 40));
        state.add(window(0, 4, new long[] {1, 1, 1, 1}, 4, 90));
        state.add(deadLettersOnly(0, 2, 4));

        MonitorSnapshot s = state.snapshot();
        MonitorSnapshot.Window latest = s.latest();
        assertThat(latest.windowStart()).isZero();
        assertThat(latest.modelVersions()).containsExactly(3L, 4L);
        assertThat(latest.count()).isEqualTo(14);
        assertThat(latest.exitHistogram()).containsExactly(7, 3, 2, 2);
        assertThat(latest.throughput()).isEqualTo(14.0);
        assertThat(latest.latencyP99Ms()).as("the slower version's p99").isEqualTo(90.0);
        assertThat(latest.meanConfidence()).isCloseTo(0.8, within(1e-9));
        assertThat(latest.deadLetters()).isEqualTo(2);
        // labelled: 5 of version 3 and 2 of version 4 at every exit; correct: min(k, labelled) of each
        assertThat(latest.perExitLabeled()).containsExactly(7, 7, 7, 7);
        assertThat(latest.perExitCorrect()).containsExactly(2, 4, 5, 6);
        assertThat(latest.perExitAccuracy()).containsExactly(2 / 7.0, 4 / 7.0, 5 / 7.0, 6 / 7.0);
        assertThat(s.modelVersion()).isEqualTo(4L);
        assertThat(s.history()).hasSize(1);
    }

    @Test
    void aWindowFromAClockFarAheadIsSkippedNotKeptAsTheLatestForever() {
        state.add(window(0, 1, new long[] {1, 1}, 2, 1));
        state.add(window(now.get() + MonitorState.MAX_AHEAD_MILLIS + 1, 1, new long[] {1, 1}, 2, 1));
        state.add(window(1_000, 1, new long[] {1, 1}, 2, 1));

        MonitorSnapshot s = state.snapshot();
        assertThat(s.latest().windowStart()).isEqualTo(1_000);
        assertThat(s.totals().windows()).isEqualTo(2);
        assertThat(s.skipped().metrics()).isEqualTo(1);
        assertThat(s.skipped().last()).contains("more than an hour after this machine's clock");
    }

    @Test
    void historyKeepsTheNewestWindowsWhileTotalsCountEveryWindowRead() {
        for (long start = 0; start < 5_000; start += 1_000) {
            state.add(window(start, start / 1_000, new long[] {1, 2, 3}, 6, 10));
        }
        state.add(window(0, 0, new long[] {5, 0, 0}, 5, 10)); // late, older than everything kept

        MonitorSnapshot s = state.snapshot();
        assertThat(s.history()).extracting(MonitorSnapshot.Window::windowStart).containsExactly(2_000L, 3_000L, 4_000L);
        assertThat(s.latest().windowStart()).isEqualTo(4_000);
        assertThat(s.totals().windows()).isEqualTo(6);
        assertThat(s.totals().predictions()).isEqualTo(35);
        assertThat(s.totals().exitHistogram()).containsExactly(10, 10, 15);
        assertThat(s.modelVersion()).isEqualTo(4L);
    }

    @Test
    void aWindowBetweenKeptOnesJoinsTheHistoryInTimeOrder() {
        state.add(window(0, 1, new long[] {1, 1}, 2, 1));
        state.add(window(2_000, 1, new long[] {1, 1}, 2, 1));
        state.add(window(1_000, 1, new long[] {3, 1}, 4, 1));
        assertThat(state.snapshot().history()).extracting(MonitorSnapshot.Window::windowStart).containsExactly(0L, 1_000L, 2_000L);
        assertThat(state.snapshot().latest().exitHistogram()).containsExactly(1, 1);
    }

    @Test
    void driftAlarmsFromTheWindowsAreCountedAndTheLastOnesKeptNewestFirst() {
        assertThat(state.snapshot().drift().alarms()).isZero();
        for (int i = 0; i < MonitorState.MAX_DRIFT_ALARMS + 2; i++) {
            byot.stream.connectors.format.DriftAlarm a = new byot.stream.connectors.format.DriftAlarm("test-" + i + "-0", i * 1_000L,
                    10 + i, 1, "adwin", new int[] {1}, new int[] {1});
            state.add(new MetricsWindow(i * 1_000L, i * 1_000L + 1_000, 1, 0, new long[2], new long[2], new long[2], 0, 0, 0, 0, 0, 0,
                    java.util.List.of(a)));
        }
        MonitorSnapshot.Drift drift = state.snapshot().drift();
        assertThat(drift.alarms()).isEqualTo(MonitorState.MAX_DRIFT_ALARMS + 2);
        assertThat(drift.recent()).hasSize(MonitorState.MAX_DRIFT_ALARMS);
        assertThat(drift.recent().get(0).eventId()).isEqualTo("test-" + (MonitorState.MAX_DRIFT_ALARMS + 1) + "-0");
    }

    @Test
    void deadLetterOnlyWindowsDoNotNameAModelVersion() {
        state.add(deadLettersOnly(0, 3, 4));
        MonitorSnapshot s = state.snapshot();
        assertThat(s.modelVersion()).isNull();
        assertThat(s.latest().modelVersions()).isEmpty();
        assertThat(s.latest().latencyP50Ms()).isNull();
        assertThat(s.latest().meanConfidence()).isNull();
        assertThat(s.totals().deadLetters()).isEqualTo(3);
        assertThat(s.totals().perExitAccuracy()).containsExactly(null, null, null, null);
    }

    @Test
    void emptyStateHasNoWindowsAndSaysItIsConnecting() {
        MonitorSnapshot s = state.snapshot();
        assertThat(s.latest()).isNull();
        assertThat(s.modelVersion()).isNull();
        assertThat(s.history()).isEmpty();
        assertThat(s.totals().windows()).isZero();
        assertThat(s.totals().exitHistogram()).isEmpty();
        assertThat(s.feed().state()).isEqualTo("CONNECTING");
        assertThat(s.feed().sinceMillis()).isEqualTo(1_000);
    }

    @Test
    void keepsTheNewestDeadLettersFirstAndCountsAll() {
        for (int i = 0; i < 3; i++) {
            state.add(new DeadLetter("images", 1, 10 + i, Reason.TRUNCATED, "cut at " + i, 5_000 + i, new byte[i + 1]));
        }
        MonitorSnapshot s = state.snapshot();
        assertThat(s.deadLettersRead()).isEqualTo(3);
        assertThat(s.deadLetters()).extracting(MonitorSnapshot.DeadLetterRow::offset).containsExactly(12L, 11L);
        assertThat(s.deadLetters().get(0)).isEqualTo(
                new MonitorSnapshot.DeadLetterRow("images", 1, 12, "TRUNCATED", "cut at 2", 5_002, 3));
    }

    @Test
    void skippedRecordsAreCountedPerTopic() {
        state.skipped("metrics", "BAD_JSON at offset 3");
        state.skipped("metrics", "BAD_JSON at offset 4");
        state.skipped("dead-letter", "EMPTY at offset 0");
        assertThat(state.snapshot().skipped()).isEqualTo(new MonitorSnapshot.Skipped(2, 1, "dead-letter: EMPTY at offset 0"));
    }

    @Test
    void feedStateChangesAreTimed() {
        now.set(2_000);
        state.feed(MonitorState.FeedState.UNREACHABLE, "no answer");
        now.set(3_000);
        state.feed(MonitorState.FeedState.UNREACHABLE, "still no answer");
        MonitorSnapshot.Feed feed = state.snapshot().feed();
        assertThat(feed.state()).isEqualTo("UNREACHABLE");
        assertThat(feed.detail()).isEqualTo("still no answer");
        assertThat(feed.sinceMillis()).isEqualTo(2_000);
    }

    @Test
    void snapshotsAreCopies() {
        state.add(window(0, 1, new long[] {1, 1}, 2, 1));
        MonitorSnapshot before = state.snapshot();
        state.add(window(0, 1, new long[] {1, 1}, 2, 1));
        assertThat(before.latest().exitHistogram()).containsExactly(1, 1);
        assertThat(before.totals().exitHistogram()).containsExactly(1, 1);
    }

    @Test
    void rejectsAnEmptyHistory() {
        assertThatThrownBy(() -> new MonitorState(0, 1, "b", "m", "d", now::get)).isInstanceOf(IllegalArgumentException.class);
    }
}
