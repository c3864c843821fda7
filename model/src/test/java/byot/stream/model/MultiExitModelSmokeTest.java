package byot.stream.model;

import static org.junit.jupiter.api.Assertions.*;

import byot.stream.model.exit.EarlyExitClassifier;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.StepResult;
import byot.stream.model.train.Trainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class MultiExitModelSmokeTest {
    @Test
    void trainsAndClassifies() {
        ModelSpec spec = new ModelSpec(Architecture.RESNET18, new InputShape(1, 16, 16), 4, 0.125, 0.3f, 0.35f);
        MultiExitModel model = MultiExitModel.create(spec, 0);
        TinyData data = new TinyData(64, 4, 1, 16, 1);
        Trainer trainer = model.trainer(DistillationConfig.defaults(TrainingMode.BYOT),
                new SgdConfig(0.05, 0.9, 5e-4, LrSchedule.CONSTANT, 0));
        long t0 = System.nanoTime();
        StepResult first = trainer.step(data.pixels, data.labels);
        System.err.println("first " + first + " " + (System.nanoTime() - t0) / 1e6 + " ms");
        StepResult last = first;
        for (int i = 0; i < 20; i++) {
            t0 = System.nanoTime();
            last = trainer.step(data.pixels, data.labels);
        }
        System.err.println("last " + last + " " + (System.nanoTime() - t0) / 1e6 + " ms");
        assertTrue(last.loss() < first.loss());
        EarlyExitClassifier clf = model.snapshot();
        INDArray[] all = clf.allExits(data.pixels);
        assertEquals(4, all.length);
        var decisions = clf.classify(data.pixels, ExitPolicy.uniform(byot.stream.model.exit.ExitCriterion.MAX_SOFTMAX, 0.9, 4));
        System.err.println(decisions.stream().mapToInt(d -> d.exitDepth()).summaryStatistics());
    }
}
