package byot.stream.tools.bench.soak;

import byot.stream.tools.plot.LineChart;
import byot.stream.tools.train.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * Turns the samples of a soak into a verdict and files: {@code report.json} (every sample and the summary),
 * {@code memory.png} and {@code traffic.png}. Memory is judged on the second half of the run, after warm-up:
 * a plateau has its last third no higher than its middle third, beyond a small tolerance.
 */
final class SoakReport {

    /** Growth allowed between the middle and the last third before memory counts as still rising. */
    static final double TOLERATED_GROWTH = 0.05;
    static final long TOLERATED_BYTES = 32L << 20;

    private final List<ResourceSample> samples;

    SoakReport(List<ResourceSample> samples) {
        if (samples.size() < 3) {
            throw new IllegalArgumentException("a soak needs at least 3 samples, got " + samples.size());
        }
        this.samples = List.copyOf(samples);
    }

    /** Mean of the middle and of the last third, and their verdict. */
    record Plateau(double middleMeanMb, double lastMeanMb, double slopeMbPerMinute, boolean flat) {}

    Plateau plateau(ToDoubleFunction<ResourceSample> bytes) {
        int n = samples.size();
        double middle = mean(samples.subList(n / 3, 2 * n / 3), bytes);
        double last = mean(samples.subList(2 * n / 3, n), bytes);
        boolean flat = last <= middle * (1 + TOLERATED_GROWTH) + TOLERATED_BYTES;
        return new Plateau(mb(middle), mb(last), mb(slopePerMinute(samples.subList(n / 2, n), bytes)), flat);
    }

    Map<String, Object> summary(Map<String, Object> run) {
        Map<String, Object> s = new LinkedHashMap<>(run);
        Plateau nativeMemory = plateau(ResourceSample::nativeBytes);
        Plateau heap = plateau(ResourceSample::liveHeapBytes);
        Plateau checkpoint = plateau(ResourceSample::checkpointBytes);
        s.put("nativeMemory", nativeMemory);
        s.put("liveHeap", heap);
        s.put("checkpoint", checkpoint);
        s.put("maxCheckpointMb", mb(samples.stream().mapToLong(ResourceSample::checkpointBytes).max().orElse(0)));
        s.put("gcSecondsTotal", samples.stream().mapToLong(ResourceSample::gcMillis).sum() / 1000.0);
        List<ResourceSample> steady = samples.subList(samples.size() / 10, samples.size());
        s.put("meanEventsPerSecond", Json.round(mean(steady, ResourceSample::eventsPerSecond)));
        // Nearest-rank like the interval p99s themselves: the lower of the two middle values for an even count.
        Histogram intervalP99s = new Histogram(4);
        steady.forEach(r -> intervalP99s.recordValue(r.latencyP99Ms()));
        s.put("medianIntervalP99Ms", intervalP99s.getValueAtPercentile(50));
        s.put("memoryFlat", nativeMemory.flat() && heap.flat());
        return s;
    }

    void write(Path dir, Map<String, Object> summary) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("summary", summary);
        report.put("samples", samples);
        Files.writeString(dir.resolve("report.json"), Json.line(report) + "\n");

        memoryChart().write(dir.resolve("memory.png"));
        trafficChart().write(dir.resolve("traffic.png"));
    }

    LineChart memoryChart() {
        double[] minutes = minutes();
        double[] used = series(ResourceSample::heapUsedBytes);
        double[] nativeMb = series(ResourceSample::nativeBytes);
        double[] resident = series(ResourceSample::residentBytes);
        double top = 1.1 * Math.max(max(resident), Math.max(max(used), max(nativeMb)));
        return new LineChart("Memory during the soak", "minutes", "MB").yRange(0, top)
                .add(new LineChart.Series("heap used", minutes, used))
                .add(new LineChart.Series("live heap", minutes, series(ResourceSample::liveHeapBytes)))
                .add(new LineChart.Series("off-heap resident", minutes, nativeMb))
                .add(new LineChart.Series("process RSS", minutes, resident))
                .add(new LineChart.Series("checkpoint", minutes, series(ResourceSample::checkpointBytes)));
    }

    LineChart trafficChart() {
        double[] minutes = minutes();
        double[] rate = samples.stream().mapToDouble(ResourceSample::eventsPerSecond).toArray();
        double[] p50 = samples.stream().mapToDouble(ResourceSample::latencyP50Ms).toArray();
        double[] p99 = samples.stream().mapToDouble(ResourceSample::latencyP99Ms).toArray();
        return new LineChart("Throughput and end-to-end latency during the soak", "minutes", "events/s, ms")
                .yRange(0, 1.1 * Math.max(max(rate), max(p99)))
                .add(new LineChart.Series("events/s", minutes, rate))
                .add(new LineChart.Series("latency p50 (ms)", minutes, p50))
                .add(new LineChart.Series("latency p99 (ms)", minutes, p99));
    }

    private double[] minutes() {
        return samples.stream().mapToDouble(r -> r.atSeconds() / 60).toArray();
    }

    private double[] series(ToDoubleFunction<ResourceSample> bytes) {
        return samples.stream().mapToDouble(r -> mb(bytes.applyAsDouble(r))).toArray();
    }

    private static double mean(List<ResourceSample> part, ToDoubleFunction<ResourceSample> f) {
        return part.stream().mapToDouble(f).average().orElse(0);
    }

    /** Least-squares slope of {@code f} against time, per minute. */
    private static double slopePerMinute(List<ResourceSample> part, ToDoubleFunction<ResourceSample> f) {
        double mt = part.stream().mapToDouble(r -> r.atSeconds() / 60).average().orElse(0);
        double my = mean(part, f);
        double num = 0;
        double den = 0;
        for (ResourceSample r : part) {
            double dt = r.atSeconds() / 60 - mt;
            num += dt * (f.applyAsDouble(r) - my);
            den += dt * dt;
        }
        return den == 0 ? 0 : num / den;
    }

    private static double max(double[] values) {
        double m = 1;
        for (double v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static double mb(double bytes) {
        return Math.round(bytes / (1 << 20) * 10) / 10.0;
    }
}
