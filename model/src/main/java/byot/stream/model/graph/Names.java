package byot.stream.model.graph;

/** Variable names shared by the graph builders, the loss, early exit and the model file. */
public final class Names {
    public static final String INPUT = "input";
    public static final String LABEL = "label";
    public static final String TEACHER_LOGITS = "teacher/logits";
    public static final String ALPHA = "loss/alpha";
    public static final String HINT_WEIGHT = "loss/lambda";
    public static final String TOTAL_LOSS = "loss/total";

    private Names() {
    }

    /** Input placeholder of a section in the inference graph; section 0 reads the image. */
    public static String sectionInput(int section) {
        return section == 0 ? INPUT : "section" + (section + 1) + "/in";
    }

    public static String sectionOutput(int section) {
        return "section" + (section + 1) + "/out";
    }

    public static String logits(int exit) {
        return "exit" + (exit + 1) + "/logits";
    }

    public static String probabilities(int exit) {
        return "exit" + (exit + 1) + "/probs";
    }

    /** Bottleneck output of a shallow classifier: the feature map the L2 hint compares. */
    public static String hintFeatures(int exit) {
        return "exit" + (exit + 1) + "/features";
    }

    public static String crossEntropy(int exit) {
        return "loss/ce" + (exit + 1);
    }

    public static String kl(int exit) {
        return "loss/kl" + (exit + 1);
    }

    public static String hint(int exit) {
        return "loss/hint" + (exit + 1);
    }

    /** The unlabelled self-distillation term of a shallow exit ({@code loss.UnlabelledDistillation}). */
    public static String unlabelledKl(int exit) {
        return "loss/unlabelled_kl" + (exit + 1);
    }
}
