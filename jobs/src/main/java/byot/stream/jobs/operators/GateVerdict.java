package byot.stream.jobs.operators;

/**
 * One decision of the publish gate ({@link PublishGate}): leaves the learner on {@code FineTuneOperator.GATE}.
 *
 * @param candidateVersion  the version the candidate was (or would have been) published as
 * @param servedVersion     the version it was compared with; -1 when the holdout was too small to judge
 * @param candidateAccuracy the candidate's accuracy on the holdout, mean over exits; NaN when not judged
 * @param servedAccuracy    the served version's, on the same events
 * @param holdoutSize       held-out events scored
 * @param published         whether the candidate went out
 */
public record GateVerdict(long candidateVersion, long servedVersion, double candidateAccuracy, double servedAccuracy,
                          int holdoutSize, boolean published) {

    /** Whether the candidate was scored against the served version (false: the holdout was too small to judge on). */
    public boolean judged() {
        return servedVersion >= 0;
    }

    public String describe() {
        return !judged()
                ? "candidate version " + candidateVersion + " published unjudged: " + holdoutSize + " held-out events"
                : String.format(java.util.Locale.ROOT, "candidate version %d scored %.4f against served version %d's %.4f on %d held-out events: %s",
                        candidateVersion, candidateAccuracy, servedVersion, servedAccuracy, holdoutSize,
                        published ? "published" : "refused");
    }
}
