package byot.stream.model.train;

import java.util.Map;

/**
 * The outcome of one optimisation step: the loss, each of its named parts, and what every exit predicted for
 * each sample of the batch before the weights moved (so a streaming learner can score test-then-train for free).
 *
 * @param exitPredictions {@code [exit][sample]} argmax class of each exit in the forward pass of this step
 */
public record StepResult(long step, double loss, Map<String, Double> parts, double learningRate, int[][] exitPredictions) {
}
