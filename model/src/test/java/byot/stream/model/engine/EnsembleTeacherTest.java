package byot.stream.model.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.graph.ForwardBackward;
import byot.stream.model.graph.Names;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.DistillationConfig.Teacher;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BYOT with the exits' ensemble as the KL term's teacher: every exit, the deepest included, matches the mean of the
 * exits' softened outputs, and that mean is a constant of the step (stop-gradient). Checked against kd mode, whose
 * fixed teacher and gradients the graph-equivalence test already holds to the SameDiff graph: handed the ensemble's
 * distribution as its teacher, kd must give the same loss and the same gradient for every weight. (The eager engine
 * against the graph's ensemble teacher: {@code EagerTrainingStepTest}.)
 */
class EnsembleTeacherTest {

    private static final int CLASSES = 4;
    private static final int SIZE = 12;
    private static final int BATCH = 8;
    private static final double T = 3;
    private static final double ALPHA = 0.4;

    @Test
    void everyExitLearnsFromTheEnsembleHeldFixed() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 7);
        // No hint: kd has none, and the hint's teacher (the deepest exit's features) is not what is under test here.
        EagerTrainingStep ensemble = new EagerTrainingStep(spec, model.parameters(),
                new DistillationConfig(TrainingMode.BYOT, ALPHA, 0, T, 0, Teacher.ENSEMBLE));
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 3);
        INDArray labels = EagerTrainingStepTest.oneHot(data.labels);
        ForwardBackward.Pass byot = ensemble.forwardBackward(data.pixels, labels, ALPHA, 0, null);
        double byotLoss = byot.outputs().get(Names.TOTAL_LOSS).getDouble(0);
        double[] byotKl = new double[4];
        for (int e = 0; e < 4; e++) {
            byotKl[e] = byot.outputs().get(Names.kl(e)).getDouble(0);
        }
        INDArray teacherLogits = ensembleLogits(byot);
        Map<String, INDArray> byotGrads = copies(byot.gradients());

        EagerTrainingStep kd = new EagerTrainingStep(spec, model.parameters(), new DistillationConfig(TrainingMode.KD, ALPHA, 0, T, 0));
        ForwardBackward.Pass fixed = kd.forwardBackward(data.pixels, labels, ALPHA, 0, teacherLogits);

        assertEquals(fixed.outputs().get(Names.TOTAL_LOSS).getDouble(0), byotLoss, 1e-5 * Math.abs(byotLoss));
        for (int e = 0; e < 4; e++) {
            assertTrue(byotKl[e] > 0, "exit " + (e + 1) + " has no KL against the ensemble");
            assertEquals(fixed.outputs().get(Names.kl(e)).getDouble(0), byotKl[e], 1e-5, "KL of exit " + (e + 1));
        }
        double total = Math.sqrt(byotGrads.values().stream().mapToDouble(g -> Math.pow(g.norm2Number().doubleValue(), 2)).sum());
        for (String name : ensemble.trainableWeights()) {
            double error = byotGrads.get(name).sub(fixed.gradients().get(name)).norm2Number().doubleValue();
            assertTrue(error <= 1e-4 * Math.max(total * 1e-2, byotGrads.get(name).norm2Number().doubleValue()),
                    "gradient of " + name + " differs by " + error);
        }
    }

    /** At a low temperature the ensemble's mean is exactly 0 for classes every exit rules out: the KL stays finite. */
    @Test
    void anEnsembleProbabilityThatUnderflowsToZeroLeavesTheLossFinite() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 7);
        double t = 1e-6; // logit gaps above 1e-3 become 1,000 and more at this temperature: exp(-1000) is 0 in double
        EagerTrainingStep step = new EagerTrainingStep(spec, model.parameters(),
                new DistillationConfig(TrainingMode.BYOT, ALPHA, 0, t, 0, Teacher.ENSEMBLE));
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 3);
        ForwardBackward.Pass pass = step.forwardBackward(data.pixels, EagerTrainingStepTest.oneHot(data.labels), ALPHA, 0, null);
        for (int e = 0; e < 4; e++) {
            double kl = pass.outputs().get(Names.kl(e)).getDouble(0);
            assertTrue(Double.isFinite(kl) && kl >= 0, "KL of exit " + (e + 1) + ": " + kl);
        }
        assertTrue(Double.isFinite(pass.outputs().get(Names.TOTAL_LOSS).getDouble(0)));
    }

    @Test
    void theDeepestTeacherLeavesTheDeepestExitToTheLabels() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 7);
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 3);
        INDArray labels = EagerTrainingStepTest.oneHot(data.labels);
        EagerTrainingStep deepest = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT));
        assertTrue(!deepest.lossParts().contains(Names.kl(3)), deepest.lossParts().toString());
        EagerTrainingStep ensemble = new EagerTrainingStep(spec, model.parameters(),
                new DistillationConfig(TrainingMode.BYOT, 0.3, 0.03, T, 0, Teacher.ENSEMBLE));
        assertTrue(ensemble.lossParts().contains(Names.kl(3)), ensemble.lossParts().toString());
        assertTrue(!ensemble.lossParts().contains(Names.hint(3)), "the deepest exit cannot hint itself");
        Map<String, INDArray> a = copies(deepest.forwardBackward(data.pixels, labels, 0.3, 0.03, null).gradients());
        Map<String, INDArray> b = ensemble.forwardBackward(data.pixels, labels, 0.3, 0.03, null).gradients();
        assertTrue(a.get("exit4/fc/w").sub(b.get("exit4/fc/w")).norm2Number().doubleValue() > 0,
                "the ensemble teacher does not reach the deepest exit");
    }

    /** Logits whose softmax at temperature T is the mean of the exits' softmax at T: T * log(mean). */
    private static INDArray ensembleLogits(ForwardBackward.Pass pass) {
        INDArray mean = Nd4j.zeros(DataType.DOUBLE, BATCH, CLASSES);
        for (int e = 0; e < 4; e++) {
            INDArray z = pass.outputs().get(Names.logits(e)).castTo(DataType.DOUBLE).div(T);
            INDArray max = z.max(1).reshape(BATCH, 1);
            INDArray p = Nd4j.math().exp(z.subColumnVector(max));
            mean.addi(p.divColumnVector(p.sum(1).reshape(BATCH, 1)).div(4));
        }
        return Nd4j.math().log(mean).mul(T).castTo(DataType.FLOAT);
    }

    private static Map<String, INDArray> copies(Map<String, INDArray> arrays) {
        Map<String, INDArray> out = new HashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }
}
