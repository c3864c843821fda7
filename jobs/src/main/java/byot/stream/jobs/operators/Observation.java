package byot.stream.jobs.operators;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.DriftAlarm;
import byot.stream.connectors.format.Prediction;

/**
 * One input to the monitoring windows: a prediction (depth, confidence, latency), a prequential score (which
 * exits were right on a labelled event), a dead letter, or a drift alarm. Predictions and scores are keyed by the model version
 * that produced them; dead letters, which no model saw, by {@link #NO_MODEL}.
 *
 * @param exitDepth 1-based depth of a prediction; 0 otherwise
 * @param correct   per-exit correctness of a score; {@code null} otherwise
 * @param publishRefused a candidate version the publish gate refused, keyed by the version that kept serving
 * @param alarm     a drift alarm; {@code null} otherwise
 */
public record Observation(long modelVersion, int exitDepth, double confidence, long latencyMs, boolean[] correct,
                          boolean deadLetter, boolean publishRefused, DriftAlarm alarm) {

    public Observation(long modelVersion, int exitDepth, double confidence, long latencyMs, boolean[] correct, boolean deadLetter) {
        this(modelVersion, exitDepth, confidence, latencyMs, correct, deadLetter, false, null);
    }

    public static final long NO_MODEL = -1;

    public static Observation of(Prediction p) {
        return new Observation(p.modelVersion(), p.exitDepth(), p.confidence(), p.latencyMs(), null, false);
    }

    public static Observation of(ExitScore s) {
        return new Observation(s.modelVersion(), 0, 0, 0, s.correct(), false);
    }

    /** A refused candidate; only refusals are observed (published versions show in their own windows). */
    public static Observation refused(GateVerdict v) {
        return new Observation(v.servedVersion(), 0, 0, 0, null, false, true, null);
    }

    public static Observation of(DeadLetter d) {
        return new Observation(NO_MODEL, 0, 0, 0, null, true);
    }

    /** Reported in the window of the version that scored the event that set it off. */
    public static Observation of(DriftAlarm a) {
        return new Observation(a.modelVersion(), 0, 0, 0, null, false, false, a);
    }
}
