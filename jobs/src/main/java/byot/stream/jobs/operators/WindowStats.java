package byot.stream.jobs.operators;

import byot.stream.connectors.format.DriftAlarm;
import java.util.Arrays;

/**
 * Accumulator of one metrics window. A plain mutable class with public fields so Flink serializes it as a
 * POJO; latencies are kept whole because windows are seconds long and quantiles must be exact.
 */
public class WindowStats {
    public long count;
    public long[] exitHistogram = new long[0];
    public long[] perExitCorrect = new long[0];
    public long[] perExitLabeled = new long[0];
    public double confidenceSum;
    public long[] latencies = new long[16];
    public int latencyCount;
    public long deadLetters;
    public long publishesRefused;
    public DriftAlarm[] driftAlarms = new DriftAlarm[0];

    public WindowStats() {
    }

    void add(Observation o, int exits) {
        ensure(exits);
        if (o.publishRefused()) {
            publishesRefused++;
        } else if (o.alarm() != null) {
            driftAlarms = Arrays.copyOf(driftAlarms, driftAlarms.length + 1);
            driftAlarms[driftAlarms.length - 1] = o.alarm();
        } else if (o.deadLetter()) {
            deadLetters++;
        } else if (o.correct() == null) {
            count++;
            exitHistogram[o.exitDepth() - 1]++;
            confidenceSum += o.confidence();
            if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencyCount * 2);
            }
            latencies[latencyCount++] = o.latencyMs();
        } else {
            for (int e = 0; e < exits && e < o.correct().length; e++) {
                perExitLabeled[e]++;
                perExitCorrect[e] += o.correct()[e] ? 1 : 0;
            }
        }
    }

    WindowStats merge(WindowStats other, int exits) {
        ensure(exits);
        other.ensure(exits);
        count += other.count;
        deadLetters += other.deadLetters;
        publishesRefused += other.publishesRefused;
        int mine = driftAlarms.length;
        driftAlarms = Arrays.copyOf(driftAlarms, mine + other.driftAlarms.length);
        System.arraycopy(other.driftAlarms, 0, driftAlarms, mine, other.driftAlarms.length);
        confidenceSum += other.confidenceSum;
        for (int e = 0; e < exits; e++) {
            exitHistogram[e] += other.exitHistogram[e];
            perExitCorrect[e] += other.perExitCorrect[e];
            perExitLabeled[e] += other.perExitLabeled[e];
        }
        for (int i = 0; i < other.latencyCount; i++) {
            if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencyCount * 2);
            }
            latencies[latencyCount++] = other.latencies[i];
        }
        return this;
    }

    /** Exact quantile (nearest rank) of the window's latencies; 0 when empty. */
    double latencyQuantile(double q) {
        if (latencyCount == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(latencies, latencyCount);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * latencyCount) - 1;
        return sorted[Math.max(0, Math.min(latencyCount - 1, rank))];
    }

    /** This accumulator with arrays for {@code exits} exits, even if it saw no observation. */
    WindowStats sized(int exits) {
        ensure(exits);
        return this;
    }

    private void ensure(int exits) {
        if (exitHistogram.length < exits) {
            exitHistogram = Arrays.copyOf(exitHistogram, exits);
            perExitCorrect = Arrays.copyOf(perExitCorrect, exits);
            perExitLabeled = Arrays.copyOf(perExitLabeled, exits);
        }
    }
}
