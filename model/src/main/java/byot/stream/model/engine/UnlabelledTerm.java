package byot.stream.model.engine;

import byot.stream.model.loss.UnlabelledDistillation;

/**
 * The unlabelled self-distillation term of one shallow exit ({@link UnlabelledDistillation}) on row-major
 * [n, classes] arrays: its value and its gradient with respect to the exit's logits. The teacher's distribution is
 * an input here, a constant, so no gradient can reach the deepest exit from this term.
 */
final class UnlabelledTerm {

    private final UnlabelledDistillation cfg;
    private final double temperature;
    private final int classes;

    UnlabelledTerm(UnlabelledDistillation cfg, double temperature, int classes) {
        this.cfg = cfg;
        this.temperature = temperature;
        this.classes = classes;
    }

    /**
     * The rows that teach: those without a label whose teacher's top softmax probability at temperature 1 reaches
     * the confidence filter.
     *
     * @param teacherLogits the deepest exit's raw logits
     */
    boolean[] teaching(float[] teacherLogits, boolean[] labelled) {
        int n = labelled.length;
        boolean[] out = new boolean[n];
        for (int s = 0; s < n; s++) {
            if (labelled[s]) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, teacherLogits[s * classes + k]);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(teacherLogits[s * classes + k] - max);
            }
            out[s] = 1.0 / sum >= cfg.minConfidence();   // exp(max - max) / sum: the top probability
        }
        return out;
    }

    /**
     * Adds {@code d(weight * T^2 * kl)/d(logits)} to {@code grad} and returns {@code kl}, the mean over the
     * {@code unlabelled} rows of KL(teacher || student) at temperature T, counting non-teaching rows as 0.
     *
     * @param logStudent   log-softmax of the student's logits / T
     * @param softTeacher  softmax of the teacher's logits / T
     * @param logSoftTeacher its logarithm
     */
    double accumulate(double[] logStudent, double[] softTeacher, double[] logSoftTeacher, boolean[] teaching,
                      int unlabelled, double[] grad) {
        if (unlabelled == 0) {
            return 0;
        }
        double t = temperature;
        // d(T^2 KL)/dz = T (softmax(z/T) - teacher); the mean over the unlabelled rows divides by their count.
        double scale = cfg.weight() * t / unlabelled;
        double kl = 0;
        for (int s = 0; s < teaching.length; s++) {
            if (!teaching[s]) {
                continue;
            }
            for (int k = 0; k < classes; k++) {
                int i = s * classes + k;
                kl += softTeacher[i] * (logSoftTeacher[i] - logStudent[i]);
                grad[i] += scale * (Math.exp(logStudent[i]) - softTeacher[i]);
            }
        }
        return kl / unlabelled;
    }

    double weight() {
        return cfg.weight();
    }
}
