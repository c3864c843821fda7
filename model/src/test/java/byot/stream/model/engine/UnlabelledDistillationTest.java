package byot.stream.model.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.graph.ForwardBackward;
import byot.stream.model.graph.Names;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.loss.UnlabelledDistillation;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.Trainer;
import byot.stream.model.train.TrainingEngine;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The unlabelled self-distillation term: its gradient against finite differences, the teacher (the deepest exit,
 * its section and its head) out of its gradient, the confidence filter, and the labelled loss unchanged by it.
 */
class UnlabelledDistillationTest {

    private static final int CLASSES = 4;
    private static final int SIZE = 12;
    private static final int BATCH = 8;

    /** d(weight * T^2 * kl)/dz of {@link UnlabelledTerm} against central differences of its value, in double. */
    @Test
    void termGradientMatchesFiniteDifferences() {
        double t = 3;
        double weight = 0.7;
        UnlabelledTerm term = new UnlabelledTerm(new UnlabelledDistillation(weight, 0), t, CLASSES);
        SplittableRandom random = new SplittableRandom(11);
        int n = 5;
        double[] student = new double[n * CLASSES];
        double[] teacher = new double[n * CLASSES];
        for (int i = 0; i < student.length; i++) {
            student[i] = random.nextDouble(-3, 3);
            teacher[i] = random.nextDouble(-3, 3);
        }
        boolean[] teaching = {true, false, true, true, false};  // 2 rows filtered out: they must add nothing
        int unlabelled = 5;
        double[] logTeacher = logSoftmax(teacher, n, 1 / t);
        double[] softTeacher = exp(logTeacher);
        double[] grad = new double[n * CLASSES];
        term.accumulate(logSoftmax(student, n, 1 / t), softTeacher, logTeacher, teaching, unlabelled, grad);
        double h = 1e-5;
        for (int i = 0; i < student.length; i++) {
            double[] up = student.clone();
            double[] down = student.clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (value(term, up, softTeacher, logTeacher, teaching, unlabelled, n, t)
                    - value(term, down, softTeacher, logTeacher, teaching, unlabelled, n, t)) / (2 * h) * weight * t * t;
            assertEquals(numeric, grad[i], 1e-7, "d/dz[" + i + "]");
            if (!teaching[i / CLASSES]) {
                assertEquals(0.0, grad[i], "a filtered row got a gradient");
            }
        }
    }

    /**
     * On a batch without labels the loss is the unlabelled term alone: the deepest exit's head and the last section
     * (which only the teacher reads) get no gradient, every shallow head gets one, and a finite difference on a
     * shallow head's weight agrees with the engine's gradient.
     */
    @Test
    void onlyTheStudentsLearnFromUnlabelledSamples() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 3);
        EagerTrainingStep eager = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT),
                new UnlabelledDistillation(0.5, 0));
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 5);
        INDArray none = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES);
        ForwardBackward.Pass pass = eager.forwardBackward(data.pixels, none, 0.3, 0.03, null);
        assertEquals(0.0, pass.outputs().get(Names.crossEntropy(3)).getDouble(0));
        for (int e = 0; e < 3; e++) {
            assertTrue(pass.outputs().get(Names.unlabelledKl(e)).getDouble(0) > 0, "no unlabelled KL at exit " + (e + 1));
        }
        Map<String, INDArray> grads = copies(pass.gradients());
        for (String name : eager.trainableWeights()) {
            double norm = grads.get(name).norm2Number().doubleValue();
            if (name.startsWith("section4/") || name.startsWith("exit4/")) {
                assertEquals(0.0, norm, "the teacher got a gradient in " + name);
            }
        }
        for (int exit = 1; exit <= 3; exit++) {
            String fc = "exit" + exit + "/fc/w";
            assertTrue(grads.get(fc).norm2Number().doubleValue() > 0, "no gradient for " + fc);
        }

        String fc = "exit1/fc/w";
        INDArray w = eager.weight(fc);
        INDArray g = grads.get(fc);
        // A copy: Nd4j.math().abs works in place and would turn the gradient checked below into its absolute value.
        long at = Nd4j.argMax(Transforms.abs(g.reshape(-1), true)).getLong(0);
        double h = 1e-2;
        double original = w.reshape(-1).getDouble(at);
        w.reshape(-1).putScalar(at, original + h);
        double up = eager.forwardBackward(data.pixels, none, 0.3, 0.03, null).outputs().get(Names.TOTAL_LOSS).getDouble(0);
        w.reshape(-1).putScalar(at, original - h);
        double down = eager.forwardBackward(data.pixels, none, 0.3, 0.03, null).outputs().get(Names.TOTAL_LOSS).getDouble(0);
        w.reshape(-1).putScalar(at, original);
        double numeric = (up - down) / (2 * h);
        double analytic = g.reshape(-1).getDouble(at);
        assertEquals(analytic, numeric, 0.02 * Math.abs(analytic), "finite difference of " + fc + "[" + at + "]");
    }

    @Test
    void confidenceFilterSilencesUnsureTeachers() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 3);
        // An untrained 4-class teacher is nowhere near 99.9% sure of anything.
        EagerTrainingStep eager = new EagerTrainingStep(spec, model.parameters(), DistillationConfig.defaults(TrainingMode.BYOT),
                new UnlabelledDistillation(0.5, 0.999));
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 5);
        ForwardBackward.Pass pass = eager.forwardBackward(data.pixels, Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES), 0.3, 0.03, null);
        assertEquals(0.0, pass.outputs().get(Names.TOTAL_LOSS).getDouble(0));
        for (String name : eager.trainableWeights()) {
            assertEquals(0.0, pass.gradients().get(name).norm2Number().doubleValue(), name);
        }
    }

    /** Labelled rows are scored as before: a labelled batch gets the same loss and gradients with the term on or off. */
    @Test
    void leavesTheLabelledLossAlone() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        MultiExitModel model = MultiExitModel.create(spec, 3);
        DistillationConfig byot = DistillationConfig.defaults(TrainingMode.BYOT);
        EagerTrainingStep off = new EagerTrainingStep(spec, model.parameters(), byot);
        EagerTrainingStep on = new EagerTrainingStep(spec, model.parameters(), byot, new UnlabelledDistillation(0.5, 0));
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 5);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES);
        for (int i = 0; i < BATCH; i++) {
            labels.putScalar(i, data.labels[i], 1f);
        }
        ForwardBackward.Pass a = off.forwardBackward(data.pixels, labels, 0.3, 0.03, null);
        double total = a.outputs().get(Names.TOTAL_LOSS).getDouble(0);
        Map<String, INDArray> grads = copies(a.gradients());
        ForwardBackward.Pass b = on.forwardBackward(data.pixels, labels, 0.3, 0.03, null);
        assertEquals(total, b.outputs().get(Names.TOTAL_LOSS).getDouble(0), 1e-6);
        assertEquals(0.0, b.outputs().get(Names.unlabelledKl(0)).getDouble(0));
        for (String name : off.trainableWeights()) {
            assertEquals(0.0, grads.get(name).sub(b.gradients().get(name)).norm2Number().doubleValue(), 1e-6, name);
        }
    }

    @Test
    void theGraphEngineRefusesTheTermAndUnlabelledSamplesNeedIt() {
        ModelSpec spec = EagerTrainingStepTest.tiny(Architecture.RESNET18);
        SgdConfig sgd = SgdConfig.constantRate(0.01, 0.9, 0);
        DistillationConfig byot = DistillationConfig.defaults(TrainingMode.BYOT);
        IllegalArgumentException graph = assertThrows(IllegalArgumentException.class, () -> new Trainer(
                MultiExitModel.create(spec, 3), byot, new UnlabelledDistillation(0.5, 0.9), sgd, TrainingEngine.GRAPH));
        assertTrue(graph.getMessage().contains("no unlabelled distillation term"), graph.getMessage());

        Trainer off = new Trainer(MultiExitModel.create(spec, 3), byot, UnlabelledDistillation.OFF, sgd, TrainingEngine.EAGER);
        TinyData data = new TinyData(BATCH, CLASSES, 1, SIZE, 5);
        int[] labels = data.labels.clone();
        labels[0] = Trainer.UNLABELLED;
        assertThrows(IllegalArgumentException.class, () -> off.step(data.pixels, labels));
        Trainer on = new Trainer(MultiExitModel.create(spec, 3), byot, new UnlabelledDistillation(0.5, 0), sgd, TrainingEngine.EAGER);
        assertTrue(Double.isFinite(on.step(data.pixels, labels).loss()));
    }

    private static double value(UnlabelledTerm term, double[] student, double[] softTeacher, double[] logTeacher,
                                boolean[] teaching, int unlabelled, int n, double t) {
        return term.accumulate(logSoftmax(student, n, 1 / t), softTeacher, logTeacher, teaching, unlabelled, new double[student.length]);
    }

    private static double[] logSoftmax(double[] z, int n, double scale) {
        double[] out = new double[z.length];
        for (int s = 0; s < n; s++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < CLASSES; k++) {
                max = Math.max(max, scale * z[s * CLASSES + k]);
            }
            double sum = 0;
            for (int k = 0; k < CLASSES; k++) {
                sum += Math.exp(scale * z[s * CLASSES + k] - max);
            }
            for (int k = 0; k < CLASSES; k++) {
                out[s * CLASSES + k] = scale * z[s * CLASSES + k] - max - Math.log(sum);
            }
        }
        return out;
    }

    private static double[] exp(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.exp(x[i]);
        }
        return out;
    }

    private static Map<String, INDArray> copies(Map<String, INDArray> arrays) {
        Map<String, INDArray> out = new HashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }
}
