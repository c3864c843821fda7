package byot.stream.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import byot.stream.model.graph.Names;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The loss on a two-exit, two-class, one-sample case computed by hand in double precision. */
class SelfDistillationLossTest {

    private static final double[] SHALLOW_LOGITS = {1.0, 2.0};
    private static final double[] DEEP_LOGITS = {3.0, 0.5};
    private static final double[] SHALLOW_FEATURES = {0.5, -1.0, 2.0, 0.0};
    private static final double[] DEEP_FEATURES = {1.5, 1.0, 2.0, -2.0};
    private static final int LABEL = 0;

    @Test
    void byotLossMatchesHandComputation() {
        DistillationConfig cfg = new DistillationConfig(TrainingMode.BYOT, 0.3, 0.03, 3.0, 0);
        Map<String, INDArray> out = evaluate(cfg);

        double ceShallow = -Math.log(softmax(SHALLOW_LOGITS, 1)[LABEL]);
        double ceDeep = -Math.log(softmax(DEEP_LOGITS, 1)[LABEL]);
        double[] pT = softmax(DEEP_LOGITS, 3);
        double[] pS = softmax(SHALLOW_LOGITS, 3);
        double kl = pT[0] * Math.log(pT[0] / pS[0]) + pT[1] * Math.log(pT[1] / pS[1]);
        double hint = 0;
        for (int i = 0; i < 4; i++) {
            hint += Math.pow(SHALLOW_FEATURES[i] - DEEP_FEATURES[i], 2) / 4;
        }
        double expected = ceDeep + 0.7 * ceShallow + 0.3 * 9 * kl + 0.03 * hint;

        assertEquals(ceShallow, out.get(Names.crossEntropy(0)).getDouble(0), 1e-5);
        assertEquals(kl, out.get(Names.kl(0)).getDouble(0), 1e-5);
        assertEquals(hint, out.get(Names.hint(0)).getDouble(0), 1e-5);
        assertEquals(expected, out.get(Names.TOTAL_LOSS).getDouble(0), 1e-5);
    }

    @Test
    void deepSupervisionSumsCrossEntropies() {
        Map<String, INDArray> out = evaluate(DistillationConfig.defaults(TrainingMode.DEEPSUP));
        double expected = -Math.log(softmax(SHALLOW_LOGITS, 1)[LABEL]) - Math.log(softmax(DEEP_LOGITS, 1)[LABEL]);
        assertEquals(expected, out.get(Names.TOTAL_LOSS).getDouble(0), 1e-5);
    }

    @Test
    void baselineUsesDeepestExitOnly() {
        Map<String, INDArray> out = evaluate(DistillationConfig.defaults(TrainingMode.BASELINE));
        assertEquals(-Math.log(softmax(DEEP_LOGITS, 1)[LABEL]), out.get(Names.TOTAL_LOSS).getDouble(0), 1e-5);
    }

    private static Map<String, INDArray> evaluate(DistillationConfig cfg) {
        SameDiff sd = SameDiff.create();
        sd.var(Names.logits(0), row(SHALLOW_LOGITS));
        sd.var(Names.logits(1), row(DEEP_LOGITS));
        sd.var(Names.hintFeatures(0), Nd4j.create(toFloat(SHALLOW_FEATURES), new long[] {1, 1, 2, 2}, 'c'));
        sd.var(Names.hintFeatures(1), Nd4j.create(toFloat(DEEP_FEATURES), new long[] {1, 1, 2, 2}, 'c'));
        var parts = SelfDistillationLoss.attach(sd, cfg, 2, 2);
        Map<String, INDArray> feed = new HashMap<>();
        INDArray label = Nd4j.zeros(DataType.FLOAT, 1, 2);
        label.putScalar(0, LABEL, 1f);
        feed.put(Names.LABEL, label);
        feed.put(Names.ALPHA, Nd4j.scalar((float) cfg.alpha()));
        feed.put(Names.HINT_WEIGHT, Nd4j.scalar((float) cfg.hintWeight()));
        return sd.output(feed, parts);
    }

    private static INDArray row(double[] v) {
        return Nd4j.create(toFloat(v), new long[] {1, v.length}, 'c');
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static double[] softmax(double[] logits, double t) {
        double a = Math.exp(logits[0] / t);
        double b = Math.exp(logits[1] / t);
        return new double[] {a / (a + b), b / (a + b)};
    }
}
