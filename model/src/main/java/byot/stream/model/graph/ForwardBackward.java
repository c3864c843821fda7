package byot.stream.model.graph;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One forward-backward pass of the training loss: loss parts, logits, batch-norm batch statistics and the
 * gradient of every weight the loss depends on. Two implementations compute the same thing: the SameDiff
 * {@link TrainingGraph} (any ND4J backend) and the eager CPU engine ({@code byot.stream.model.engine}).
 */
public interface ForwardBackward {

    /**
     * Outputs and gradients of one pass, keyed by variable name: the loss parts, {@link Names#logits} of every
     * exit the mode runs, and each {@link #batchNormTaps() tap}'s batch mean and variance. An implementation
     * may reuse these arrays in its next pass.
     */
    record Pass(Map<String, INDArray> outputs, Map<String, INDArray> gradients) {}

    /** Names of the loss parts, {@link Names#TOTAL_LOSS} first. */
    List<String> lossParts();

    List<String> trainableWeights();

    /** The array a weight is trained in. */
    INDArray weight(String name);

    List<LayerBuilder.BatchNormTap> batchNormTaps();

    Pass forwardBackward(INDArray pixels, INDArray oneHotLabels, double alpha, double hintWeight, INDArray teacherLogits);

    /** Argmax class of every exit for every sample of a pass; {@code null} for exits this mode does not run. */
    int[][] exitPredictions(Pass pass);
}
