package byot.stream.jobs.operators;

/**
 * Prequential result for one labelled event: whether each exit was right, judged by the model in force just
 * before the event was trained on (test, then train).
 */
public record ExitScore(String id, long eventTime, long modelVersion, boolean[] correct) {
}
