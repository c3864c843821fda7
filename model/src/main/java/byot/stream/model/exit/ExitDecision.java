package byot.stream.model.exit;

/**
 * The answer for one sample.
 *
 * @param exitDepth       1-based exit that answered
 * @param exitConfidences max softmax probability of each exit evaluated on the way (length = exitDepth)
 */
public record ExitDecision(int predictedClass, float confidence, int exitDepth, float[] exitConfidences) {
}
