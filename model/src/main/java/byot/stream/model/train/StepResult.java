package byot.stream.model.train;

import java.util.Map;

/** The outcome of one optimisation step: the loss and each of its named parts. */
public record StepResult(long step, double loss, Map<String, Double> parts, double learningRate) {
}
