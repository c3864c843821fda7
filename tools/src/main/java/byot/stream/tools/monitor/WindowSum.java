package byot.stream.tools.monitor;

import byot.stream.connectors.format.MetricsWindow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Sums metrics records: those of one event-time window (one per model version), or all of them for the totals.
 * Not thread-safe; {@link MonitorState} guards it.
 */
final class WindowSum {
    private long windowStart = Long.MAX_VALUE;
    private long windowEnd = Long.MIN_VALUE;
    private final TreeSet<Long> modelVersions = new TreeSet<>();
    private long records;
    private long count;
    private long[] exitHistogram = new long[0];
    private long[] perExitCorrect = new long[0];
    private long[] perExitLabeled = new long[0];
    private double throughput;
    private double confidenceSum;
    private Double latencyP50Ms;
    private Double latencyP95Ms;
    private Double latencyP99Ms;
    private long deadLetters;

    void add(MetricsWindow w) {
        records++;
        windowStart = Math.min(windowStart, w.windowStart());
        windowEnd = Math.max(windowEnd, w.windowEnd());
        if (w.count() > 0) {
            // Dead-letter-only records carry version -1 and no predictions: no model served them.
            modelVersions.add(w.modelVersion());
            confidenceSum += w.meanConfidence() * w.count();
            latencyP50Ms = max(latencyP50Ms, w.latencyP50Ms());
            latencyP95Ms = max(latencyP95Ms, w.latencyP95Ms());
            latencyP99Ms = max(latencyP99Ms, w.latencyP99Ms());
        }
        count += w.count();
        exitHistogram = plus(exitHistogram, w.exitHistogram());
        perExitCorrect = plus(perExitCorrect, w.perExitCorrect());
        perExitLabeled = plus(perExitLabeled, w.perExitLabeled());
        // Each record's throughput is its predictions per second of the same window time, so they add up.
        throughput += w.throughput();
        deadLetters += w.deadLetters();
    }

    MonitorSnapshot.Window window() {
        return new MonitorSnapshot.Window(windowStart, windowEnd, List.copyOf(modelVersions), count, exitHistogram.clone(),
                perExitCorrect.clone(), perExitLabeled.clone(), accuracy(), throughput,
                count == 0 ? null : confidenceSum / count, latencyP50Ms, latencyP95Ms, latencyP99Ms, deadLetters);
    }

    MonitorSnapshot.Totals totals() {
        return new MonitorSnapshot.Totals(records, count, exitHistogram.clone(), perExitCorrect.clone(),
                perExitLabeled.clone(), accuracy(), deadLetters);
    }

    private List<Double> accuracy() {
        List<Double> out = new ArrayList<>(perExitCorrect.length);
        for (int i = 0; i < perExitCorrect.length; i++) {
            out.add(perExitLabeled[i] == 0 ? null : (double) perExitCorrect[i] / perExitLabeled[i]);
        }
        return out;
    }

    /** Element-wise sum; a record with more exits than seen so far widens the arrays. */
    private static long[] plus(long[] sum, long[] more) {
        long[] out = sum.length >= more.length ? sum : Arrays.copyOf(sum, more.length);
        for (int i = 0; i < more.length; i++) {
            out[i] += more[i];
        }
        return out;
    }

    private static Double max(Double current, double value) {
        if (Double.isNaN(value)) {
            return current;
        }
        return current == null ? value : Math.max(current, value);
    }
}
