package byot.stream.tools.train;

import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The distillation settings a {@code byot} or {@code kd} cell was trained with, as recorded in its JSON and shown
 * in its table row. Only settings that differ from the paper's recipe ({@link #PAPER}) appear in a row's label and
 * a cell's file name, so cells trained before recipes were recorded keep their names and count as the paper's
 * recipe, which is what they were trained with, whatever the defaults of {@code byot train} become.
 * Baseline and deep-supervision cells have no recipe: none of these settings changes their loss.
 */
record Recipe(double alpha, double lambda, double temperature, int warmupSteps, String teacher) {

    /** The official code's values, the defaults until recipes were recorded: α 0.3, λ 0.03, T 3, the deepest exit. */
    static final Recipe PAPER = new Recipe(0.3, 0.03, 3.0, 0, DistillationConfig.Teacher.DEEPEST.id());

    static Recipe of(DistillationConfig c) {
        return new Recipe(c.alpha(), c.hintWeight(), c.temperature(), c.warmupSteps(), c.teacher().id());
    }

    /** Whether cells of {@code mode} depend on a recipe at all. */
    static boolean matters(TrainingMode mode) {
        return mode == TrainingMode.BYOT || mode == TrainingMode.KD;
    }

    /**
     * The part of this recipe that changes the loss of {@code mode}: all of it for byot; for kd, which has no hint and
     * learns from a teacher model of its own, not λ or the teacher choice; none of it for baseline and deep supervision.
     */
    Recipe forMode(TrainingMode mode) {
        return switch (mode) {
            case BYOT -> this;
            case KD -> new Recipe(alpha, PAPER.lambda, temperature, warmupSteps, PAPER.teacher);
            default -> PAPER;
        };
    }

    /** The recipe a finished cell records; none recorded means the paper's, the only one before recipes were recorded. */
    static Recipe ofCell(Map<String, Object> cell) {
        if (!(cell.get("recipe") instanceof Map<?, ?> r)) {
            return PAPER;
        }
        return new Recipe(number(r, "alpha", PAPER.alpha), number(r, "lambda", PAPER.lambda),
                number(r, "temperature", PAPER.temperature), (int) number(r, "warmupSteps", PAPER.warmupSteps),
                r.get("teacher") instanceof String t ? t : PAPER.teacher);
    }

    Map<String, Object> fields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("alpha", alpha);
        f.put("lambda", lambda);
        f.put("temperature", temperature);
        f.put("warmupSteps", warmupSteps);
        f.put("teacher", teacher);
        return f;
    }

    /** The settings that differ from the paper's, for a table row: "α 0.1, λ 0, ensemble teacher"; empty for the paper's. */
    String label() {
        return String.join(", ", differences().stream().map(Difference::label).toList());
    }

    /** The same differences for a cell's file name: "-a0.1-l0-tensemble"; empty for the paper's. */
    String fileSuffix() {
        return String.join("", differences().stream().map(d -> "-" + d.suffix()).toList());
    }

    /** One setting that differs from the paper's, as a row's label and a file name's part show it. */
    private record Difference(String label, String suffix) {}

    private List<Difference> differences() {
        List<Difference> out = new ArrayList<>();
        if (alpha != PAPER.alpha) {
            out.add(new Difference("α " + ResultsTable.trimmed(alpha), "a" + ResultsTable.trimmed(alpha)));
        }
        if (lambda != PAPER.lambda) {
            out.add(new Difference("λ " + ResultsTable.trimmed(lambda), "l" + ResultsTable.trimmed(lambda)));
        }
        if (temperature != PAPER.temperature) {
            out.add(new Difference("T " + ResultsTable.trimmed(temperature), "T" + ResultsTable.trimmed(temperature)));
        }
        if (warmupSteps != PAPER.warmupSteps) {
            out.add(new Difference("warm-up " + warmupSteps + " steps", "w" + warmupSteps));
        }
        if (!teacher.equals(PAPER.teacher)) {
            out.add(new Difference(teacher + " teacher", "t" + teacher));
        }
        return out;
    }

    private static double number(Map<?, ?> r, String key, double fallback) {
        return r.get(key) instanceof Number n ? n.doubleValue() : fallback;
    }
}
