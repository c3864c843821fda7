package byot.stream.model.engine;

import byot.stream.model.graph.Names;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.LogitAdjustment;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.loss.UnlabelledDistillation;
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
 *
 * <p>A row whose one-hot label is all zeros has no label: the labelled terms are means over the labelled rows
 * only, and with {@link UnlabelledDistillation} on, the unlabelled rows add {@link UnlabelledTerm} to every
 * shallow exit. With {@link LogitAdjustment} on, every exit's cross-entropy is taken on logits offset by the
 * batch's labelled class counts. A batch without unlabelled rows, and without the adjustment, gets exactly the loss
 * of the SameDiff graph.
 */
final class DistillationLossKernel {

    private final DistillationConfig cfg;
    private final UnlabelledTerm unlabelled;
    private final LogitAdjustment adjustment;
    private final int exits;
    private final int classes;
    private final List<String> parts = new ArrayList<>();

    DistillationLossKernel(DistillationConfig cfg, int exits, int classes) {
        this(cfg, UnlabelledDistillation.OFF, LogitAdjustment.OFF, exits, classes);
    }

    DistillationLossKernel(DistillationConfig cfg, UnlabelledDistillation unlabelledCfg, LogitAdjustment adjustment, int exits,
                           int classes) {
        this.cfg = cfg;
        this.adjustment = adjustment;
        this.unlabelled = unlabelledCfg.enabled() ? new UnlabelledTerm(unlabelledCfg, cfg.temperature(), classes) : null;
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
                if (hinted(e)) {
                    parts.add(Names.hint(e));
                }
            }
            if (unlabelledDistilled(e)) {
                parts.add(Names.unlabelledKl(e));
            }
        }
    }

    /** Loss part names, {@link Names#TOTAL_LOSS} first, in the graph's order (the unlabelled parts: eager only). */
    List<String> parts() {
        return parts;
    }

    boolean trained(int exit) {
        return cfg.mode() != TrainingMode.BASELINE || exit == exits - 1;
    }

    private boolean distilled(int exit) {
        return cfg.distils(exit, exits);
    }

    /** The hint's teacher is the deepest exit's features, so the deepest has no hint of its own. */
    private boolean hinted(int exit) {
        return cfg.mode() == TrainingMode.BYOT && exit != exits - 1;
    }

    private boolean unlabelledDistilled(int exit) {
        return unlabelled != null && trained(exit) && exit != exits - 1;
    }

    /**
     * Evaluates the loss and sets the gradients of the logits and hint-feature tensors in {@code ws}.
     *
     * @param logits   tensor id of each exit's logits (-1: not run)
     * @param features tensor id of each exit's hint features
     * @param oneHot   labels; an all-zero row marks a sample without a label
     * @return the value of every part, in {@link #parts()} order
     */
    double[] evaluate(Workspace ws, int[] logits, int[] features, float[] oneHot, float[] teacherLogits,
                      double alpha, double hintWeight) {
        int n = ws.batch;
        double t = cfg.temperature();
        boolean[] labelled = new boolean[n];
        int nl = 0;
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < classes && !labelled[s]; k++) {
                labelled[s] = oneHot[s * classes + k] != 0;
            }
            nl += labelled[s] ? 1 : 0;
        }
        int nu = n - nl;
        if (nu > 0 && unlabelled == null) {
            throw new IllegalArgumentException(nu + " samples of the batch have no label, and unlabelled distillation is off");
        }
        // Labelled means divide by the labelled count; with none, the labelled terms are 0 and teach nothing.
        double perLabelled = nl == 0 ? 0 : 1.0 / nl;
        double[] values = new double[parts.size()];
        int part = 1;
        double total = 0;
        double[] softTeacher = null;
        double[] logSoftTeacher = null;
        float[] deepest = new float[n * classes];
        Vectors.read(ws.value(logits[exits - 1]), deepest);
        boolean[] teaching = unlabelled == null ? null : unlabelled.teaching(deepest, labelled);
        if (cfg.mode() == TrainingMode.BYOT || cfg.mode() == TrainingMode.KD || unlabelled != null) {
            // The unlabelled term's teacher is always the deepest exit; kd's labelled teacher is the given one.
            if (ensembleTeacher()) {
                softTeacher = ensemble(ws, logits, n, t);
                logSoftTeacher = log(softTeacher);
            } else {
                float[] teacher = cfg.mode() == TrainingMode.KD ? teacherLogits : deepest;
                logSoftTeacher = logSoftmax(teacher, n, 1.0 / t);
                softTeacher = exp(logSoftTeacher);
            }
        }
        double[] logSoftDeepest = (cfg.mode() == TrainingMode.KD || ensembleTeacher()) && unlabelled != null
                ? logSoftmax(deepest, n, 1.0 / t) : logSoftTeacher;
        double[] softDeepest = logSoftDeepest == logSoftTeacher ? softTeacher : logSoftDeepest == null ? null : exp(logSoftDeepest);
        double[] ceOffsets = adjustment.enabled() ? adjustment.offsets(classCounts(oneHot, n)) : null;
        float[] z = new float[n * classes];
        double[] dz = new double[n * classes];
        float[] dzf = new float[n * classes];
        for (int e = 0; e < exits; e++) {
            if (!trained(e)) {
                continue;
            }
            Vectors.read(ws.value(logits[e]), z);
            double[] logP = logSoftmax(z, n, 1.0, ceOffsets);
            double ce = 0;
            for (int i = 0; i < n * classes; i++) {
                if (oneHot[i] != 0) {   // a class outside the adjusted softmax has log p = -inf, and 0 * -inf is NaN
                    ce -= oneHot[i] * logP[i];
                }
            }
            ce *= perLabelled;
            values[part++] = ce;
            boolean distilled = distilled(e);
            double ceWeight = distilled ? 1 - alpha : 1;
            double klWeight = alpha * t * t;
            boolean studentSoftened = distilled || unlabelledDistilled(e);
            double[] logStudent = studentSoftened ? logSoftmax(z, n, 1.0 / t) : null;
            double kl = 0;
            java.util.Arrays.fill(dz, 0);
            for (int s = 0; s < n; s++) {
                if (!labelled[s]) {
                    continue;
                }
                for (int k = 0; k < classes; k++) {
                    int i = s * classes + k;
                    double grad = ceWeight * (Math.exp(logP[i]) - oneHot[i]) * perLabelled;
                    if (distilled) {
                        if (softTeacher[i] > 0) { // the ensemble's mean can underflow to 0: log 0 = -inf, and 0 * -inf is NaN
                            kl += softTeacher[i] * (logSoftTeacher[i] - logStudent[i]);
                        }
                        grad += klWeight * (Math.exp(logStudent[i]) - softTeacher[i]) / t * perLabelled;
                    }
                    dz[i] = grad;
                }
            }
            double term = ceWeight * ce;
            if (distilled) {
                kl *= perLabelled;
                values[part++] = kl;
                term += klWeight * kl;
                if (hinted(e)) {
                    double hint = hint(ws, features[e], features[exits - 1], hintWeight, labelled, nl);
                    values[part++] = hint;
                    term += hintWeight * hint;
                }
            }
            if (unlabelledDistilled(e)) {
                double ukl = unlabelled.accumulate(logStudent, softDeepest, logSoftDeepest, teaching, nu, dz);
                values[part++] = ukl;
                term += unlabelled.weight() * t * t * ukl;
            }
            for (int i = 0; i < dz.length; i++) {
                dzf[i] = (float) dz[i];
            }
            INDArray target = ws.gradTarget(logits[e]);
            Vectors.write(dzf, target);
            ws.addGrad(logits[e], target);
            total += term;
        }
        values[0] = total;
        return values;
    }

    /**
     * mean((F - F_teacher)^2) over the labelled rows' elements, and d/dF of lambda times it into F's gradient.
     * The batch is dimension 0 of a feature map in every layout.
     */
    private static double hint(Workspace ws, int student, int teacher, double hintWeight, boolean[] labelled, int nl) {
        INDArray diff = ws.gradTarget(student);
        Nd4j.exec(new SubOp(ws.value(student), ws.value(teacher), diff));
        if (nl < labelled.length) {
            for (int s = 0; s < labelled.length; s++) {
                if (!labelled[s]) {
                    diff.slice(s).assign(0);
                }
            }
        }
        double count = nl == 0 ? 1 : (double) diff.length() / labelled.length * nl;
        double norm = diff.norm2Number().doubleValue();
        diff.muli(2 * hintWeight / count);
        ws.addGrad(student, diff);
        return norm * norm / count;
    }

    private boolean ensembleTeacher() {
        return cfg.mode() == TrainingMode.BYOT && cfg.teacher() == DistillationConfig.Teacher.ENSEMBLE;
    }

    /** The mean over every exit of softmax(z / T): the ensemble teacher's distribution, a constant here. */
    private double[] ensemble(Workspace ws, int[] logits, int n, double t) {
        double[] mean = new double[n * classes];
        float[] z = new float[n * classes];
        for (int e = 0; e < exits; e++) {
            Vectors.read(ws.value(logits[e]), z);
            double[] p = exp(logSoftmax(z, n, 1.0 / t));
            for (int i = 0; i < p.length; i++) {
                mean[i] += p[i] / exits;
            }
        }
        return mean;
    }

    private static double[] log(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.log(x[i]);
        }
        return out;
    }

    /** How many labelled rows of the batch each class has. */
    private int[] classCounts(float[] oneHot, int n) {
        int[] counts = new int[classes];
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < classes; k++) {
                if (oneHot[s * classes + k] != 0) {
                    counts[k]++;
                }
            }
        }
        return counts;
    }

    /** Row-wise log-softmax of {@code scale * z} for an [n, classes] matrix. */
    private double[] logSoftmax(float[] z, int n, double scale) {
        return logSoftmax(z, n, scale, null);
    }

    /**
     * Row-wise log-softmax of {@code scale * z + offsets} ({@code offsets} null: none). A class with offset negative
     * infinity is outside the softmax (log p = -inf, p = 0); a row with every class outside it (a batch without a
     * labelled row, under {@link LogitAdjustment}) is all -inf and teaches nothing.
     */
    private double[] logSoftmax(float[] z, int n, double scale, double[] offsets) {
        double[] out = new double[n * classes];
        double[] row = new double[classes];
        for (int s = 0; s < n; s++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                row[k] = scale * z[s * classes + k] + (offsets == null ? 0 : offsets[k]);
                max = Math.max(max, row[k]);
            }
            if (max == Double.NEGATIVE_INFINITY) {
                java.util.Arrays.fill(out, s * classes, (s + 1) * classes, Double.NEGATIVE_INFINITY);
                continue;
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(row[k] - max);
            }
            double log = max + Math.log(sum);
            for (int k = 0; k < classes; k++) {
                out[s * classes + k] = row[k] - log;
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
