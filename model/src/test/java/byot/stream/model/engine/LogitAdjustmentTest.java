package byot.stream.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.graph.ForwardBackward;
import byot.stream.model.graph.Names;
import byot.stream.model.loss.ContinualTerms;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.LogitAdjustment;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.loss.UnlabelledDistillation;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.Trainer;
import byot.stream.model.train.TrainingEngine;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Logit-adjusted cross-entropy: its value against a reference computed here from the pass's logits, its gradient
 * against finite differences, a single-class batch teaching nothing, and the graph engine refusing it.
 */
class LogitAdjustmentTest {

    private static final int CLASSES = 4;
    private static final int SIZE = 12;

    @Test
    void offsetsAreTauTimesTheLogOfEachClassCountAndAbsentClassesLeaveTheSoftmax() {
        double[] offsets = new LogitAdjustment(0.5).offsets(new int[] {4, 1, 0, 2});
        assertArrayEquals(new double[] {0.5 * Math.log(4), 0, Double.NEGATIVE_INFINITY, 0.5 * Math.log(2)}, offsets, 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new LogitAdjustment(-0.1));
        assertThrows(IllegalArgumentException.class, () -> new LogitAdjustment(Double.NaN));
    }

    /** Deep supervision has only cross-entropy terms, so each exit's part is exactly the adjusted cross-entropy. */
    @Test
    void eachExitsCrossEntropyIsTakenOnTheAdjustedLogits() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 3);
        double tau = 1.0;
        EagerTrainingStep eager = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.DEEPSUP),
                new ContinualTerms(UnlabelledDistillation.OFF, new LogitAdjustment(tau)));
        TinyData data = new TinyData(8, CLASSES, 1, SIZE, 5);
        int[] labels = {0, 0, 0, 0, 0, 1, 1, 3};   // class 2 absent
        ForwardBackward.Pass pass = eager.forwardBackward(data.pixels, oneHot(labels), 0, 0, null);
        int[] counts = {5, 2, 0, 1};
        for (int e = 0; e < 4; e++) {
            INDArray z = pass.outputs().get(Names.logits(e));
            double expected = 0;
            for (int s = 0; s < labels.length; s++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < CLASSES; k++) {
                    if (counts[k] > 0) {
                        max = Math.max(max, z.getDouble(s, k) + tau * Math.log(counts[k]));
                    }
                }
                double sum = 0;
                for (int k = 0; k < CLASSES; k++) {
                    if (counts[k] > 0) {
                        sum += Math.exp(z.getDouble(s, k) + tau * Math.log(counts[k]) - max);
                    }
                }
                int y = labels[s];
                expected -= z.getDouble(s, y) + tau * Math.log(counts[y]) - (max + Math.log(sum));
            }
            expected /= labels.length;
            assertEquals(expected, pass.outputs().get(Names.crossEntropy(e)).getDouble(0), 1e-5, "exit " + (e + 1));
        }
    }

    /** On the shallow heads, whose teacher is a constant here: the deepest exit's own change would also move it. */
    @Test
    void itsGradientMatchesFiniteDifferences() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 4);
        EagerTrainingStep eager = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT),
                new ContinualTerms(UnlabelledDistillation.OFF, new LogitAdjustment(1.0)));
        TinyData data = new TinyData(8, CLASSES, 1, SIZE, 6);
        INDArray labels = oneHot(new int[] {0, 0, 0, 0, 1, 1, 2, 0});   // class 3 absent
        for (String fc : new String[] {"exit1/fc/w", "exit2/fc/b", "exit3/fc/w"}) {
            INDArray g = eager.forwardBackward(data.pixels, labels, 0.3, 0.03, null).gradients().get(fc).dup().reshape(-1);
            INDArray w = eager.weight(fc).reshape(-1);
            long at = Nd4j.argMax(Transforms.abs(g, true)).getLong(0);
            double h = 1e-2;
            double original = w.getDouble(at);
            w.putScalar(at, original + h);
            double up = eager.forwardBackward(data.pixels, labels, 0.3, 0.03, null).outputs().get(Names.TOTAL_LOSS).getDouble(0);
            w.putScalar(at, original - h);
            double down = eager.forwardBackward(data.pixels, labels, 0.3, 0.03, null).outputs().get(Names.TOTAL_LOSS).getDouble(0);
            w.putScalar(at, original);
            double analytic = g.getDouble(at);
            assertTrue(Math.abs(analytic) > 1e-3, "no gradient to check at " + fc);
            assertEquals(analytic, (up - down) / (2 * h), 0.02 * Math.abs(analytic), "finite difference of " + fc + "[" + at + "]");
        }
    }

    /**
     * A batch of one class says nothing about how to tell classes apart: adjusted, its cross-entropy is 0 and moves
     * no weight, where plain cross-entropy would push every logit towards that class.
     */
    @Test
    void aBatchOfOneClassTeachesNoPrior() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        TinyData data = new TinyData(8, CLASSES, 1, SIZE, 7);
        INDArray allTwos = oneHot(new int[] {2, 2, 2, 2, 2, 2, 2, 2});
        DistillationConfig deepsup = DistillationConfig.defaults(TrainingMode.DEEPSUP);
        EagerTrainingStep adjusted = new EagerTrainingStep(spec, MultiExitModel.create(spec, 3).parameters(), deepsup,
                new ContinualTerms(UnlabelledDistillation.OFF, new LogitAdjustment(1.0)));
        EagerTrainingStep plain = new EagerTrainingStep(spec, MultiExitModel.create(spec, 3).parameters(), deepsup,
                ContinualTerms.NONE);
        ForwardBackward.Pass a = adjusted.forwardBackward(data.pixels, allTwos, 0, 0, null);
        assertEquals(0.0, a.outputs().get(Names.TOTAL_LOSS).getDouble(0), 1e-9);
        assertEquals(0.0, a.gradients().get("exit4/fc/b").norm2Number().doubleValue(), 1e-9);
        ForwardBackward.Pass p = plain.forwardBackward(data.pixels, allTwos, 0, 0, null);
        assertTrue(p.outputs().get(Names.TOTAL_LOSS).getDouble(0) > 0.1);
        assertTrue(p.gradients().get("exit4/fc/b").getDouble(2) < 0, "plain cross-entropy raises class 2's bias");
    }

    @Test
    void theGraphEngineRefusesItWithTheFlagToSwitchItOff() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        var e = assertThrows(IllegalArgumentException.class, () -> new Trainer(MultiExitModel.create(spec, 3),
                DistillationConfig.defaults(TrainingMode.BYOT), new ContinualTerms(UnlabelledDistillation.OFF, new LogitAdjustment(1)),
                SgdConfig.constantRate(0.01, 0.9, 0), TrainingEngine.GRAPH));
        assertTrue(e.getMessage().contains("--logit-adjustment 0"), e.getMessage());
    }

    private static INDArray oneHot(int[] labels) {
        INDArray out = Nd4j.zeros(DataType.FLOAT, labels.length, CLASSES);
        for (int i = 0; i < labels.length; i++) {
            out.putScalar(i, labels[i], 1f);
        }
        return out;
    }
}
