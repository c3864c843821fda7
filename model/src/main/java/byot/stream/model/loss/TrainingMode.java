package byot.stream.model.loss;

import java.util.Locale;

/** The paper's comparisons, all trained by one code path. */
public enum TrainingMode {
    /** Deepest classifier on labels only; the shallow heads get no gradient. */
    BASELINE,
    /** Cross entropy on every exit (deep supervision). */
    DEEPSUP,
    /** Be Your Own Teacher: labels, the deepest exit's soft output and its features teach the shallow exits. */
    BYOT,
    /** Classic knowledge distillation from a separately trained teacher model into every exit. */
    KD;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TrainingMode fromId(String id) {
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown training mode '" + id + "'; known: baseline, deepsup, byot, kd");
        }
    }
}
