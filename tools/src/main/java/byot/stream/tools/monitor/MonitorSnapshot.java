package byot.stream.tools.monitor;

import byot.stream.connectors.format.DriftAlarm;
import java.util.List;

/**
 * What {@code /api/state} returns (docs/monitor.md): an immutable copy of {@link MonitorState}, written by Jackson
 * as it stands. Per-exit arrays are indexed by exit depth minus one, as in the metrics topic.
 *
 * @param modelVersion the newest model version any window named; {@code null} before the first served window
 * @param latest       the newest window, all model versions that served in it merged; {@code null} before any
 * @param totals       every window read since the monitor started
 * @param history      the last windows, oldest first, each merged across model versions
 * @param deadLetters  the last dead letters read, newest first
 * @param drift        the learner's drift alarms read from the metrics windows
 */
public record MonitorSnapshot(Feed feed, Long modelVersion, Window latest, Totals totals, List<Window> history,
        List<DeadLetterRow> deadLetters, long deadLettersRead, Skipped skipped, Drift drift) {

    /** @param alarms every drift alarm read; {@code recent} the last ones, newest first */
    public record Drift(long alarms, List<DriftAlarm> recent) {}

    /** The consumer's connection: {@code state} is CONNECTING, CONNECTED, WAITING (topic missing) or UNREACHABLE. */
    public record Feed(String state, String detail, String bootstrapServers, String metricsTopic, String deadLetterTopic,
            long sinceMillis) {}

    /**
     * One event-time window. The pipeline writes one record per model version and window; this is their sum.
     * Latency quantiles cannot be merged exactly: each is the highest of the versions that served in the window.
     */
    public record Window(long windowStart, long windowEnd, List<Long> modelVersions, long count, long[] exitHistogram,
            long[] perExitCorrect, long[] perExitLabeled, List<Double> perExitAccuracy, double throughput,
            Double meanConfidence, Double latencyP50Ms, Double latencyP95Ms, Double latencyP99Ms, long deadLetters) {}

    /** @param windows metrics records decoded, in topic order (the page's "windows read") */
    public record Totals(long windows, long predictions, long[] exitHistogram, long[] perExitCorrect,
            long[] perExitLabeled, List<Double> perExitAccuracy, long deadLetters) {}

    /** A dead letter without its original bytes, which the page has no use for. */
    public record DeadLetterRow(String topic, int partition, long offset, String reason, String detail,
            long timestampMillis, int originalBytes) {}

    /** Records that did not decode; they are counted and otherwise ignored. */
    public record Skipped(long metrics, long deadLetters, String last) {}
}
