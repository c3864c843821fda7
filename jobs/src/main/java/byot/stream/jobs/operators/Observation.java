package byot.stream.jobs.operators;

import byot.stream.connectors.format.Prediction;

/**
 * One input to the monitoring windows: a prediction (depth, confidence, latency) or a prequential score
 * (which exits were right on a labelled event). Both are keyed by the model version that produced them.
 *
 * @param exitDepth 1-based depth of a prediction; 0 for a score
 * @param correct   per-exit correctness of a score; {@code null} for a prediction
 */
public record Observation(long modelVersion, int exitDepth, double confidence, long latencyMs, boolean[] correct) {

    public static Observation of(Prediction p) {
        return new Observation(p.modelVersion(), p.exitDepth(), p.confidence(), p.latencyMs(), null);
    }

    public static Observation of(ExitScore s) {
        return new Observation(s.modelVersion(), 0, 0, 0, s.correct());
    }
}
