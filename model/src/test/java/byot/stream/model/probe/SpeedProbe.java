package byot.stream.model.probe;

import byot.stream.model.MultiExitModel;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.StepResult;
import byot.stream.model.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public class SpeedProbe {
    public static void main(String[] a) {
        int batch = Integer.parseInt(a[0]);
        int warm = Integer.parseInt(a[1]);
        int steps = Integer.parseInt(a[2]);
        int reps = a.length > 3 ? Integer.parseInt(a[3]) : 1;
        ModelSpec spec = ModelSpec.fashionMnist(Architecture.RESNET18, 0.25);
        MultiExitModel model = MultiExitModel.create(spec, 7);
        Trainer t = model.trainer(DistillationConfig.defaults(TrainingMode.BYOT), SgdConfig.paperDefaults(1000));
        Nd4j.getRandom().setSeed(1);
        INDArray px = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28).muli(255);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % 10;
        StepResult r = null;
        for (int i = 0; i < warm; i++) r = t.step(px, labels);
        System.out.println("warm loss " + r.loss());
        for (int k = 0; k < reps; k++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) r = t.step(px, labels);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("batch %d: %.1f img/s (loss %.6f)%n", batch, batch * steps / s, r.loss());
        }
    }
}
