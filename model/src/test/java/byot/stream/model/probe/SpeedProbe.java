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
    static void stats(Trainer t) throws Exception {
        java.lang.reflect.Field f = Trainer.class.getDeclaredField("graph"); f.setAccessible(true);
        byot.stream.model.graph.TrainingGraph g = (byot.stream.model.graph.TrainingGraph) f.get(t);
        org.nd4j.autodiff.samediff.SameDiff grad = g.built().sameDiff().getFunction("grad");
        for (var e : grad.getSessions().entrySet()) {
            java.lang.reflect.Field fa = org.nd4j.autodiff.samediff.internal.InferenceSession.class.getDeclaredField("freedArrays"); fa.setAccessible(true);
            Object mm = e.getValue().getMmgr();
            String extra = "";
            if (mm instanceof org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr a) extra = "acmm MB=" + a.getCurrentCacheSize() / 1e6 + " lru=" + a.getLruCache().size();
            else { java.lang.reflect.Method m = mm.getClass().getDeclaredMethod("pooledBytes"); m.setAccessible(true); extra = "pool MB=" + ((Long) m.invoke(mm)) / 1e6; }
            System.out.println("  " + e.getValue().getClass().getSimpleName() + " freed=" + ((java.util.Set<?>) fa.get(e.getValue())).size() + " " + extra);
        }
    }
    public static void main(String[] a) {
        int batch = Integer.parseInt(a[0]);
        int warm = Integer.parseInt(a[1]);
        int steps = Integer.parseInt(a[2]);
        int reps = a.length > 3 ? Integer.parseInt(a[3]) : 1;
        ModelSpec spec = ModelSpec.fashionMnist(Architecture.RESNET18, 0.25);
        Trainer[] tr = new Trainer[2];
        for (int m = 0; m < 2; m++) {
            MultiExitModel model = MultiExitModel.create(spec, 7);
            tr[m] = model.trainer(DistillationConfig.defaults(TrainingMode.BYOT), SgdConfig.paperDefaults(1000));
        }
        Nd4j.getRandom().setSeed(1);
        INDArray px = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28).muli(255);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % 10;
        for (int m = 0; m < 2; m++) {
            byot.stream.model.graph.TrainingGraph.CACHED = m == 1;
            for (int i = 0; i < warm; i++) tr[m].step(px, labels);
        }
        for (int k = 0; k < reps; k++) {
            for (int m = 0; m < 2; m++) {
                byot.stream.model.graph.TrainingGraph.CACHED = m == 1;
                StepResult r = null;
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) r = tr[m].step(px, labels);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("%s batch %d: %.1f img/s (loss %.6f)%n", m == 1 ? "NEW" : "OLD", batch, batch * steps / s, r.loss());
                try { stats(tr[m]); } catch (Exception e) { throw new RuntimeException(e); }
            }
        }
    }
}
