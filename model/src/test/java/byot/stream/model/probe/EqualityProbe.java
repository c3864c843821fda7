package byot.stream.model.probe;

import byot.stream.model.MultiExitModel;
import byot.stream.model.graph.Parameters;
import byot.stream.model.graph.TrainingGraph;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.StepResult;
import byot.stream.model.train.Trainer;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public class EqualityProbe {
    public static void main(String[] a) {
        int batch = Integer.parseInt(a[0]);
        int steps = Integer.parseInt(a[1]);
        for (TrainingMode mode : TrainingMode.values()) {
            ModelSpec spec = ModelSpec.fashionMnist(Architecture.RESNET18, 0.25);
            MultiExitModel ma = MultiExitModel.create(spec, 7);
            MultiExitModel mb = MultiExitModel.create(spec, 7);
            MultiExitModel teacher = MultiExitModel.create(spec, 3);
            Trainer ta = ma.trainer(DistillationConfig.defaults(mode), SgdConfig.paperDefaults(1000));
            Trainer tb = mb.trainer(DistillationConfig.defaults(mode), SgdConfig.paperDefaults(1000));
            Nd4j.getRandom().setSeed(1);
            double maxDiff = 0;
            for (int i = 0; i < steps; i++) {
                INDArray px = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28).muli(255);
                int[] labels = new int[batch];
                for (int j = 0; j < batch; j++) labels[j] = (j * 7 + i) % 10;
                INDArray tl = mode == TrainingMode.KD ? teacher.snapshot().fullDepth(px) : null;
                TrainingGraph.CACHED = false;
                StepResult ra = ta.step(px, labels, tl);
                TrainingGraph.CACHED = true;
                StepResult rb = tb.step(px, labels, tl);
                if (!ra.parts().equals(rb.parts())) System.out.println("PARTS DIFFER " + ra.parts() + " vs " + rb.parts());
            }
            for (Parameters.Kind k : Parameters.Kind.values()) {
                Map<String, INDArray> va = ma.parameters().view(k), vb = mb.parameters().view(k);
                for (String n : va.keySet()) {
                    double d = va.get(n).sub(vb.get(n)).amaxNumber().doubleValue();
                    maxDiff = Math.max(maxDiff, d);
                }
            }
            System.out.println(mode + " max |param diff| after " + steps + " steps = " + maxDiff);
        }
    }
}
