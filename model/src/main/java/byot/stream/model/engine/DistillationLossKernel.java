package byot.stream.model.engine;

import byot.stream.model.graph.Names;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The self-distillation loss of {@code loss.SelfDistillationLoss}, evaluated directly with its gradient with
 * respect to each exit's logits and hint features. For a shallow exit in byot mode:
 * {@code (1-alpha)*CE + alpha*T^2*KL(teacher || exit) + lambda*mean((F - F_teacher)^2)}; the teacher's
 * logits and features are constants here (stop-gradient), so no gradient ever reaches the deepest exit
 * from them. Logits are a handful of floats per sample, so this runs in Java, in double precision.
 */
final class DistillationLossKernel {

    private final DistillationConfig cfg;
    private final int exits;
    private final int classes;
    private final List<String> parts = new ArrayList<>();

    DistillationLossKernel(DistillationConfig cfg, int exits, int classes) {
        this.cfg = cfg;
        this.exits = exits;
        this.classes = classes;
        parts.add(Names.TOTAL_LOSS);
        for (int e = 0; e < exits; e++) {
            if (!trained(e)) {
                continue;
            }
            parts.add(Names.crossEntropy(e));
            if (distilled(e)) {
                parts.add(Names.kl(e));
                if (cfg.mode() == TrainingMode.BYOT) {
                    parts.add(Names.hint(e));
                }
            }
        }
    }

    /** Loss part names, {@link Names#TOTAL_LOSS} first, in the graph's order. */
    List<String> parts() {
        return parts;
    }

    boolean trained(int exit) {
        return cfg.mode() != TrainingMode.BASELINE || exit == exits - 1;
    }

    private boolean distilled(int exit) {
        return (cfg.mode() == TrainingMode.BYOT && exit != exits - 1) || cfg.mode() == TrainingMode.KD;
    }

    /**
     * Evaluates the loss and sets the gradients of the logits and hint-feature tensors in {@code ws}.
     *
     * @param logits   tensor id of each exit's logits (-1: not run)
     * @param features tensor id of each exit's hint features
     * @return the value of every part, in {@link #parts()} order
     */
    double[] evaluate(Workspace ws, int[] logits, int[] features, float[] oneHot, float[] teacherLogits,
                      double alpha, double hintWeight) {
        int n = ws.batch;
        double t = cfg.temperature();
        double[] values = new double[parts.size()];
        int part = 1;
        double total = 0;
        double[] softTeacher = null;
        double[] logSoftTeacher = null;
        if (cfg.mode() == TrainingMode.BYOT || cfg.mode() == TrainingMode.KD) {
            float[] teacher = teacherLogits;
            if (cfg.mode() == TrainingMode.BYOT) {
                teacher = new float[n * classes];
                Vectors.read(ws.value(logits[exits - 1]), teacher);
            }
            logSoftTeacher = logSoftmax(teacher, n, 1.0 / t);
            softTeacher = exp(logSoftTeacher);
        }
        float[] z = new float[n * classes];
        float[] dz = new float[n * classes];
        for (int e = 0; e < exits; e++) {
            if (!trained(e)) {
                continue;
            }
            Vectors.read(ws.value(logits[e]), z);
            double[] logP = logSoftmax(z, n, 1.0);
            double ce = 0;
            for (int i = 0; i < n * classes; i++) {
                ce -= oneHot[i] * logP[i];
            }
            ce /= n;
            values[part++] = ce;
            boolean distilled = distilled(e);
            double ceWeight = distilled ? 1 - alpha : 1;
            double klWeight = alpha * t * t;
            double[] logStudent = distilled ? logSoftmax(z, n, 1.0 / t) : null;
            double kl = 0;
            for (int s = 0; s < n; s++) {
                double labelMass = 0;
                for (int k = 0; k < classes; k++) {
                    labelMass += oneHot[s * classes + k];
                }
                for (int k = 0; k < classes; k++) {
                    int i = s * classes + k;
                    double grad = ceWeight * (Math.exp(logP[i]) * labelMass - oneHot[i]) / n;
                    if (distilled) {
                        kl += softTeacher[i] * (logSoftTeacher[i] - logStudent[i]);
                        grad += klWeight * (Math.exp(logStudent[i]) - softTeacher[i]) / (t * n);
                    }
                    dz[i] = (float) grad;
                }
            }
            INDArray target = ws.gradTarget(logits[e]);
            Vectors.write(dz, target);
            ws.addGrad(logits[e], target);
            if (!distilled) {
                total += ce;
                continue;
            }
            kl /= n;
            values[part++] = kl;
            double term = ceWeight * ce + klWeight * kl;
            if (cfg.mode() == TrainingMode.BYOT) {
                double hint = hint(ws, features[e], features[exits - 1], hintWeight);
                values[part++] = hint;
                term += hintWeight * hint;
            }
            total += term;
        }
        values[0] = total;
        return values;
    }

    /** mean((F - F_teacher)^2), and d/dF of lambda times it into F's gradient. */
    private static double hint(Workspace ws, int student, int teacher, double hintWeight) {
        INDArray diff = ws.gradTarget(student);
        Nd4j.exec(new SubOp(ws.value(student), ws.value(teacher), diff));
        double count = diff.length();
        double norm = diff.norm2Number().doubleValue();
        diff.muli(2 * hintWeight / count);
        ws.addGrad(student, diff);
        return norm * norm / count;
    }

    /** Row-wise log-softmax of {@code scale * z} for an [n, classes] matrix. */
    private double[] logSoftmax(float[] z, int n, double scale) {
        double[] out = new double[n * classes];
        for (int s = 0; s < n; s++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, scale * z[s * classes + k]);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(scale * z[s * classes + k] - max);
            }
            double log = max + Math.log(sum);
            for (int k = 0; k < classes; k++) {
                out[s * classes + k] = scale * z[s * classes + k] - log;
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
}
