package byot.stream.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.graph.Parameters;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostUpdatesTest {

    private static final SgdConfig SGD = SgdConfig.constantRate(0.05, 0.9, 5e-4);

    @Test
    void theHostMomentumStepMovesWeightsAndVelocityAsNd4jsOpsDo() {
        INDArray gradient = random(7, 3, 3, 3);
        INDArray[] host = stepTwice(new HostUpdates(true), gradient);
        INDArray[] ops = stepTwice(new HostUpdates(false), gradient);
        assertArrayEquals(ops[0].data().asFloat(), host[0].data().asFloat(), 1e-6f, "weights");
        assertArrayEquals(ops[1].data().asFloat(), host[1].data().asFloat(), 1e-6f, "velocity");
        // and it did move them: w1 = w0 - lr*(g + wd*w0) on the first step
        assertFalse(ops[0].equalsWithEps(random(7, 3, 3, 3).reshape(7, 3, 3, 3), 1e-4));
    }

    @Test
    void arraysItCannotReachAsPlainHostFloatsAreLeftToTheOps() {
        INDArray whole = random(4, 6);
        INDArray view = whole.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3));
        INDArray before = view.dup();
        HostUpdates host = new HostUpdates(true);
        assertFalse(host.momentumStep(view, random(4, 3), Nd4j.zeros(DataType.FLOAT, 4, 3), 0.9f, 0f, 0.1f));
        assertFalse(host.momentumStep(random(3), random(3).castTo(DataType.DOUBLE), random(3), 0.9f, 0f, 0.1f));
        assertFalse(new HostUpdates(false).blend(random(3), random(3), 0.1f));
        assertTrue(view.equalsWithEps(before, 0), "a refused update changes nothing");
    }

    @Test
    void blendingFoldsTheSampleIntoTheRunningAverage() {
        INDArray running = Nd4j.createFromArray(1f, 2f, -4f);
        assertTrue(new HostUpdates(true).blend(running, Nd4j.createFromArray(new float[][] {{11f, 2f, 6f}}), 0.1f));
        assertArrayEquals(new float[] {2f, 2f, -3f}, running.data().asFloat(), 1e-6f);
    }

    /** Two steps from the same weights and gradient; returns the weight and its velocity. */
    private static INDArray[] stepTwice(HostUpdates host, INDArray gradient) {
        Parameters params = new Parameters(3);
        INDArray weight = random(7, 3, 3, 3);
        MomentumSgd sgd = new MomentumSgd(SGD, params, host);
        sgd.apply("w", weight, gradient, 0.05);
        sgd.apply("w", weight, gradient.mul(-0.5), 0.04);
        return new INDArray[] {weight, params.optimizerState("w/momentum", weight)};
    }

    private static INDArray random(long... shape) {
        Nd4j.getRandom().setSeed(42);
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }
}
