package byot.stream.tools.monitor;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.DriftAlarm;
import byot.stream.connectors.format.MetricsWindow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * What the monitor knows, bounded: the last {@code maxWindows} event-time windows (each merged across model
 * versions), totals over every window read, the last {@code maxDeadLetters} dead letters and the feed's
 * connection. The consumer thread writes, HTTP threads read {@link #snapshot()}; every method is synchronized.
 */
public final class MonitorState {

    /** The feed's connection, as the page shows it. */
    public enum FeedState { CONNECTING, CONNECTED, WAITING, UNREACHABLE }

    private final int maxWindows;
    private final int maxDeadLetters;
    private final String bootstrapServers;
    private final String metricsTopic;
    private final String deadLetterTopic;
    private final LongSupplier clock;

    private final TreeMap<Long, WindowSum> windows = new TreeMap<>();
    private final WindowSum totals = new WindowSum();
    private Long modelVersion;
    private final ArrayDeque<MonitorSnapshot.DeadLetterRow> deadLetters = new ArrayDeque<>();
    private long deadLettersRead;
    /** Drift alarms are rare: the page lists the last few. */
    static final int MAX_DRIFT_ALARMS = 10;
    static final long MAX_AHEAD_MILLIS = 3_600_000;
    private final ArrayDeque<DriftAlarm> driftAlarms = new ArrayDeque<>();
    private long driftAlarmsRead;
    private long skippedMetrics;
    private long skippedDeadLetters;
    private String lastSkipped;
    private FeedState feedState = FeedState.CONNECTING;
    private String feedDetail;
    private long feedSince;

    public MonitorState(int maxWindows, int maxDeadLetters, String bootstrapServers, String metricsTopic,
            String deadLetterTopic, LongSupplier clock) {
        if (maxWindows < 1 || maxDeadLetters < 1) {
            throw new IllegalArgumentException("the monitor keeps at least one window and one dead letter, got "
                    + maxWindows + " and " + maxDeadLetters);
        }
        this.maxWindows = maxWindows;
        this.maxDeadLetters = maxDeadLetters;
        this.bootstrapServers = bootstrapServers;
        this.metricsTopic = metricsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.clock = clock;
        this.feedDetail = "connecting to " + bootstrapServers;
        this.feedSince = clock.getAsLong();
    }

    public synchronized void add(MetricsWindow w) {
        if (w.windowStart() > clock.getAsLong() + MAX_AHEAD_MILLIS) {
            // The newest window is the page's "latest", and one from a wrong clock (year 2100) would stay it for the
            // monitor's whole life. Kafka refuses records stamped over an hour ahead by default, so none is genuine.
            skipped(metricsTopic, "window at " + java.time.Instant.ofEpochMilli(w.windowStart())
                    + " starts more than an hour after this machine's clock");
            return;
        }
        for (DriftAlarm a : w.driftAlarms()) {
            driftAlarmsRead++;
            driftAlarms.addFirst(a);
            while (driftAlarms.size() > MAX_DRIFT_ALARMS) {
                driftAlarms.removeLast();
            }
        }
        totals.add(w);
        if (w.count() > 0 && (modelVersion == null || w.modelVersion() > modelVersion)) {
            modelVersion = w.modelVersion();
        }
        WindowSum sum = windows.get(w.windowStart());
        if (sum == null) {
            // A window older than everything kept, arriving once the history is full, would only be dropped again.
            if (windows.size() >= maxWindows && w.windowStart() < windows.firstKey()) {
                return;
            }
            sum = new WindowSum();
            windows.put(w.windowStart(), sum);
            while (windows.size() > maxWindows) {
                windows.pollFirstEntry();
            }
        }
        sum.add(w);
    }

    public synchronized void add(DeadLetter d) {
        deadLettersRead++;
        deadLetters.addFirst(new MonitorSnapshot.DeadLetterRow(d.topic(), d.partition(), d.offset(), d.reason().name(),
                d.detail(), d.timestampMillis(), d.original().length));
        while (deadLetters.size() > maxDeadLetters) {
            deadLetters.removeLast();
        }
    }

    /** A record of {@code topic} that did not decode: counted, and its reason kept for the page. */
    public synchronized void skipped(String topic, String reason) {
        if (topic.equals(metricsTopic)) {
            skippedMetrics++;
        } else {
            skippedDeadLetters++;
        }
        lastSkipped = topic + ": " + reason;
    }

    public synchronized void feed(FeedState state, String detail) {
        if (state != feedState) {
            feedSince = clock.getAsLong();
        }
        feedState = state;
        feedDetail = detail;
    }

    public synchronized MonitorSnapshot snapshot() {
        List<MonitorSnapshot.Window> history = new ArrayList<>(windows.size());
        for (Map.Entry<Long, WindowSum> e : windows.entrySet()) {
            history.add(e.getValue().window());
        }
        return new MonitorSnapshot(
                new MonitorSnapshot.Feed(feedState.name(), feedDetail, bootstrapServers, metricsTopic, deadLetterTopic, feedSince),
                modelVersion, history.isEmpty() ? null : history.get(history.size() - 1), totals.totals(), List.copyOf(history),
                List.copyOf(deadLetters), deadLettersRead, new MonitorSnapshot.Skipped(skippedMetrics, skippedDeadLetters, lastSkipped),
                new MonitorSnapshot.Drift(driftAlarmsRead, List.copyOf(driftAlarms)));
    }
}
