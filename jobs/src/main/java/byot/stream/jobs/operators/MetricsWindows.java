package byot.stream.jobs.operators;

import byot.stream.connectors.format.MetricsWindow;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Incremental aggregation of observations into one {@link MetricsWindow} per model version and window. */
public final class MetricsWindows {

    private MetricsWindows() {
    }

    public static final class Aggregate implements AggregateFunction<Observation, WindowStats, WindowStats> {
        private final int exits;

        public Aggregate(int exits) {
            this.exits = exits;
        }

        @Override
        public WindowStats createAccumulator() {
            return new WindowStats();
        }

        @Override
        public WindowStats add(Observation value, WindowStats acc) {
            acc.add(value, exits);
            return acc;
        }

        @Override
        public WindowStats getResult(WindowStats acc) {
            return acc;
        }

        @Override
        public WindowStats merge(WindowStats a, WindowStats b) {
            return a.merge(b, exits);
        }
    }

    /** Stamps the window's bounds and version on the aggregate. */
    public static final class Emit extends ProcessWindowFunction<WindowStats, MetricsWindow, Long, TimeWindow> {
        private final int exits;

        public Emit(int exits) {
            this.exits = exits;
        }

        @Override
        public void process(Long version, Context ctx, Iterable<WindowStats> stats, Collector<MetricsWindow> out) {
            WindowStats s = stats.iterator().next().sized(exits);
            double seconds = (ctx.window().getEnd() - ctx.window().getStart()) / 1000.0;
            out.collect(new MetricsWindow(ctx.window().getStart(), ctx.window().getEnd(), version, s.count,
                    s.exitHistogram, s.perExitCorrect, s.perExitLabeled, s.count == 0 ? 0 : s.confidenceSum / s.count,
                    s.count / seconds, s.latencyQuantile(0.5), s.latencyQuantile(0.95), s.latencyQuantile(0.99), s.deadLetters,
                    s.publishesRefused, java.util.List.of(s.driftAlarms)));
        }
    }
}
