package byot.stream.model.loss;

import byot.stream.model.network.MultiExitNetwork;
import byot.stream.model.graph.Names;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * Attaches the training loss of a {@link TrainingMode} to a training graph built by
 * {@code MultiExitNetwork.training}. The teacher's logits and features pass through stop-gradient, so
 * the KL and hint terms train the shallow exits and never pull the deepest one towards them.
 *
 * <p>Alpha and lambda are placeholders ({@link Names#ALPHA}, {@link Names#HINT_WEIGHT}) so a warm-up can
 * change them step by step without rebuilding the graph. Every term is also a named output, so the
 * trainer can report the parts.
 */
public final class SelfDistillationLoss {

    private SelfDistillationLoss() {
    }

    /** Returns the names of the loss-part outputs, {@link Names#TOTAL_LOSS} first. */
    public static List<String> attach(SameDiff sd, DistillationConfig cfg, int exits, int classes) {
        SDVariable labels = sd.placeHolder(Names.LABEL, DataType.FLOAT, -1, classes);
        SDVariable alpha = sd.placeHolder(Names.ALPHA, DataType.FLOAT);
        SDVariable hintWeight = sd.placeHolder(Names.HINT_WEIGHT, DataType.FLOAT);
        int deepest = exits - 1;
        double t = cfg.temperature();
        List<String> parts = new ArrayList<>();
        List<SDVariable> terms = new ArrayList<>();

        boolean distilling = cfg.mode() == TrainingMode.BYOT || cfg.mode() == TrainingMode.KD;
        SDVariable teacherLogits = cfg.mode() == TrainingMode.KD
                ? sd.placeHolder(Names.TEACHER_LOGITS, DataType.FLOAT, -1, classes)
                : stopGradient(sd, sd.getVariable(Names.logits(deepest)));
        SDVariable teacherFeatures = cfg.mode() == TrainingMode.BYOT
                ? stopGradient(sd, sd.getVariable(Names.hintFeatures(deepest))) : null;
        SDVariable softTeacher = distilling ? sd.nn().softmax(teacherLogits.div(t)) : null;
        SDVariable logSoftTeacher = distilling ? sd.nn().logSoftmax(teacherLogits.div(t)) : null;
        if (cfg.mode() == TrainingMode.BYOT && cfg.teacher() == DistillationConfig.Teacher.ENSEMBLE) {
            // The mean of every exit's softened output, each held constant.
            SDVariable sum = softTeacher;
            for (int e = 0; e < deepest; e++) {
                sum = sum.add(sd.nn().softmax(stopGradient(sd, sd.getVariable(Names.logits(e))).div(t)));
            }
            softTeacher = sum.div(exits);
            // A class every exit rules out underflows to 0 in float; log 0 = -inf, and 0 * -inf would make the KL NaN.
            logSoftTeacher = sd.math().log(softTeacher.add(1e-30));
        }

        for (int e = 0; e < exits; e++) {
            boolean trained = cfg.mode() != TrainingMode.BASELINE || e == deepest;
            if (!trained) {
                continue;
            }
            SDVariable logits = sd.getVariable(Names.logits(e));
            SDVariable ce = crossEntropy(sd, Names.crossEntropy(e), logits, labels);
            parts.add(ce.name());
            boolean distilled = cfg.distils(e, exits);
            if (!distilled) {
                terms.add(ce);
                continue;
            }
            // KL(teacher || student) on temperature-softened outputs; T^2 keeps its gradient scale independent of T.
            // logSoftmax without an axis argument: the (x, dim) form breaks gradient creation in 1.0.0-M2.1.
            SDVariable logStudent = sd.nn().logSoftmax(logits.div(t));
            SDVariable kl = softTeacher.mul(logSoftTeacher.sub(logStudent)).sum(1).mean(Names.kl(e));
            parts.add(kl.name());
            SDVariable weighted = alpha.rsub(1.0).mul(ce).add(alpha.mul(kl).mul(t * t));
            if (cfg.mode() == TrainingMode.BYOT && e != deepest) {
                SDVariable features = sd.getVariable(Names.hintFeatures(e));
                SDVariable hint = features.squaredDifference(teacherFeatures).mean(Names.hint(e));
                parts.add(hint.name());
                weighted = weighted.add(hintWeight.mul(hint));
            }
            terms.add(weighted);
        }
        SDVariable total = terms.get(0);
        for (int i = 1; i < terms.size(); i++) {
            total = total.add(terms.get(i));
        }
        total = sd.identity(Names.TOTAL_LOSS, total);
        sd.setLossVariables(total);
        parts.add(0, Names.TOTAL_LOSS);
        return parts;
    }

    private static SDVariable crossEntropy(SameDiff sd, String name, SDVariable logits, SDVariable oneHot) {
        return oneHot.mul(sd.nn().logSoftmax(logits)).sum(1).mean().neg(name);
    }

    private static SDVariable stopGradient(SameDiff sd, SDVariable x) {
        return new StopGradient(sd, x).outputVariable();
    }
}
