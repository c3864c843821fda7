package byot.stream.connectors.format;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Aggregates over one window of predictions, on topic {@code metrics} (JSON, see docs/formats.md). Arrays are
 * indexed by exit depth minus one. Accuracy is prequential: each labelled event is scored at every exit, whatever
 * exit answered it, so {@code perExitLabeled} is the same at every depth when all exits are evaluated.
 *
 * @param exitHistogram how many predictions left at each depth; sums to {@code count}
 * @param throughput predictions per second of window time
 * @param publishesRefused candidate versions the learner's publish gate held back in this window, counted under
 *                         the version that kept serving; 0 in records from before the field existed
 * @param driftAlarms the learner's drift alarms whose event lies in the window (usually none); absent in records
 *                    written before drift detection existed, read as empty
 */
@JsonIgnoreProperties(value = "perExitAccuracy", allowGetters = true)
public record MetricsWindow(long windowStart, long windowEnd, long modelVersion, long count, long[] exitHistogram,
        long[] perExitCorrect, long[] perExitLabeled, double meanConfidence, double throughput, double latencyP50Ms,
        double latencyP95Ms, double latencyP99Ms, long deadLetters, long publishesRefused, List<DriftAlarm> driftAlarms) {

    /** Names of fields added after the first release: {@link JsonCodec} reads a record without them as 0 and []. */
    public static final String PUBLISHES_REFUSED = "publishesRefused";
    public static final String DRIFT_ALARMS = "driftAlarms";

    /** A window without publish-gate refusals. */
    public MetricsWindow(long windowStart, long windowEnd, long modelVersion, long count, long[] exitHistogram,
                         long[] perExitCorrect, long[] perExitLabeled, double meanConfidence, double throughput,
                         double latencyP50Ms, double latencyP95Ms, double latencyP99Ms, long deadLetters) {
        this(windowStart, windowEnd, modelVersion, count, exitHistogram, perExitCorrect, perExitLabeled, meanConfidence,
                throughput, latencyP50Ms, latencyP95Ms, latencyP99Ms, deadLetters, 0, List.of());
    }

    /** A window without drift alarms. */
    public MetricsWindow(long windowStart, long windowEnd, long modelVersion, long count, long[] exitHistogram,
                         long[] perExitCorrect, long[] perExitLabeled, double meanConfidence, double throughput,
                         double latencyP50Ms, double latencyP95Ms, double latencyP99Ms, long deadLetters, long publishesRefused) {
        this(windowStart, windowEnd, modelVersion, count, exitHistogram, perExitCorrect, perExitLabeled, meanConfidence,
                throughput, latencyP50Ms, latencyP95Ms, latencyP99Ms, deadLetters, publishesRefused, List.of());
    }

    /** A window without publish-gate refusals. */
    public MetricsWindow(long windowStart, long windowEnd, long modelVersion, long count, long[] exitHistogram,
                         long[] perExitCorrect, long[] perExitLabeled, double meanConfidence, double throughput,
                         double latencyP50Ms, double latencyP95Ms, double latencyP99Ms, long deadLetters,
                         List<DriftAlarm> driftAlarms) {
        this(windowStart, windowEnd, modelVersion, count, exitHistogram, perExitCorrect, perExitLabeled, meanConfidence,
                throughput, latencyP50Ms, latencyP95Ms, latencyP99Ms, deadLetters, 0, driftAlarms);
    }

    /** More exits than any network of this project has (the deepest backbone has 5), with room to spare. */
    public static final int MAX_EXITS = 64;

    public MetricsWindow {
        driftAlarms = driftAlarms == null ? List.of() : List.copyOf(driftAlarms);
        Objects.requireNonNull(exitHistogram, "exitHistogram");
        Objects.requireNonNull(perExitCorrect, "perExitCorrect");
        Objects.requireNonNull(perExitLabeled, "perExitLabeled");
        if (windowEnd < windowStart) {
            throw new IllegalArgumentException("windowEnd " + windowEnd + " before windowStart " + windowStart);
        }
        if (exitHistogram.length > MAX_EXITS) {
            // A reader sizes its totals, tables and charts by this: a record of 150,000 exits would freeze a dashboard.
            throw new IllegalArgumentException(exitHistogram.length + " exits; at most " + MAX_EXITS);
        }
        for (double v : new double[] {meanConfidence, throughput, latencyP50Ms, latencyP95Ms, latencyP99Ms}) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("meanConfidence, throughput and the latency quantiles must be finite, got " + v);
            }
        }
        if (perExitCorrect.length != exitHistogram.length || perExitLabeled.length != exitHistogram.length) {
            throw new IllegalArgumentException("per-exit arrays differ in length: histogram " + exitHistogram.length
                    + ", correct " + perExitCorrect.length + ", labeled " + perExitLabeled.length);
        }
        if (Arrays.stream(exitHistogram).sum() != count) {
            throw new IllegalArgumentException("exitHistogram sums to " + Arrays.stream(exitHistogram).sum()
                    + ", count is " + count);
        }
        for (int i = 0; i < perExitCorrect.length; i++) {
            if (exitHistogram[i] < 0 || perExitCorrect[i] < 0 || perExitCorrect[i] > perExitLabeled[i]) {
                throw new IllegalArgumentException("exit " + (i + 1) + ": histogram " + exitHistogram[i] + ", correct "
                        + perExitCorrect[i] + " of " + perExitLabeled[i] + " labelled");
            }
        }
        if (deadLetters < 0) {
            throw new IllegalArgumentException("deadLetters must be >= 0, got " + deadLetters);
        }
        if (publishesRefused < 0) {
            throw new IllegalArgumentException("publishesRefused must be >= 0, got " + publishesRefused);
        }
    }

    /** Accuracy of each exit on the window's labelled events; {@code null} where none were labelled. */
    @JsonProperty("perExitAccuracy")
    public List<Double> perExitAccuracy() {
        List<Double> out = new ArrayList<>(perExitCorrect.length);
        for (int i = 0; i < perExitCorrect.length; i++) {
            out.add(perExitLabeled[i] == 0 ? null : (double) perExitCorrect[i] / perExitLabeled[i]);
        }
        return out;
    }
}
