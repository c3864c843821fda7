package byot.stream.model.train;

import byot.stream.model.graph.Parameters;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SGD with momentum: {@code v = mu*v + g + wd*w; w -= lr*v}. Its velocity buffers live in
 * {@link Parameters} as optimizer state, so a model file (or a Flink checkpoint) can carry them.
 */
final class MomentumSgd {
    private final SgdConfig cfg;
    private final Parameters params;
    private final HostUpdates host;

    MomentumSgd(SgdConfig cfg, Parameters params, HostUpdates host) {
        this.cfg = cfg;
        this.params = params;
        this.host = host;
    }

    /** Updates {@code weight} in place from its gradient. */
    void apply(String name, INDArray weight, INDArray gradient, double learningRate) {
        INDArray velocity = params.optimizerState(name + "/momentum", weight);
        if (host.momentumStep(weight, gradient, velocity, (float) cfg.momentum(), (float) cfg.weightDecay(),
                (float) learningRate)) {
            return;
        }
        velocity.muli(cfg.momentum()).addi(gradient);
        // In place (axpy): temporaries the size of the model each step cost page faults on this VM.
        if (cfg.weightDecay() > 0) {
            Nd4j.getBlasWrapper().level1().axpy(weight.length(), cfg.weightDecay(), weight, velocity);
        }
        Nd4j.getBlasWrapper().level1().axpy(weight.length(), -learningRate, velocity, weight);
    }
}
