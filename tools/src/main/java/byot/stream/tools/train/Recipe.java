package byot.stream.tools.train;

import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The distillation settings a {@code byot} or {@code kd} cell was trained with, as recorded in its JSON and shown
 * in its table row. Only settings that differ from {@link DistillationConfig#defaults} appear in a row's label and
 * a cell's file name, so cells trained before recipes were recorded keep their names and count as the defaults.
 * Baseline and deep-supervision cells have no recipe: none of these settings changes their loss.
 */
record Recipe(double alpha, double lambda, double temperature, int warmupSteps, String teacher) {

    static final Recipe DEFAULT = of(DistillationConfig.defaults(TrainingMode.BYOT));

    static Recipe of(DistillationConfig c) {
        return new Recipe(c.alpha(), c.hintWeight(), c.temperature(), c.warmupSteps(), c.teacher().id());
    }

    /** Whether cells of {@code mode} depend on a recipe at all. */
    static boolean matters(TrainingMode mode) {
        return mode == TrainingMode.BYOT || mode == TrainingMode.KD;
    }

    /** The recipe a finished cell records; none recorded means the defaults of its time, which are today's. */
    static Recipe ofCell(Map<String, Object> cell) {
        if (!(cell.get("recipe") instanceof Map<?, ?> r)) {
            return DEFAULT;
        }
        return new Recipe(number(r, "alpha", DEFAULT.alpha), number(r, "lambda", DEFAULT.lambda),
                number(r, "temperature", DEFAULT.temperature), (int) number(r, "warmupSteps", DEFAULT.warmupSteps),
                r.get("teacher") instanceof String t ? t : DEFAULT.teacher);
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

    /** The settings that differ from the defaults, for a table row: "α 0.1, λ 0, ensemble teacher"; empty if none. */
    String label() {
        List<String> parts = new ArrayList<>();
        if (alpha != DEFAULT.alpha) {
            parts.add("α " + trimmed(alpha));
        }
        if (lambda != DEFAULT.lambda) {
            parts.add("λ " + trimmed(lambda));
        }
        if (temperature != DEFAULT.temperature) {
            parts.add("T " + trimmed(temperature));
        }
        if (warmupSteps != DEFAULT.warmupSteps) {
            parts.add("warm-up " + warmupSteps + " steps");
        }
        if (!teacher.equals(DEFAULT.teacher)) {
            parts.add(teacher + " teacher");
        }
        return String.join(", ", parts);
    }

    /** The same differences for a cell's file name: "-a0.1-l0-tensemble"; empty if none. */
    String fileSuffix() {
        StringBuilder s = new StringBuilder();
        if (alpha != DEFAULT.alpha) {
            s.append("-a").append(trimmed(alpha));
        }
        if (lambda != DEFAULT.lambda) {
            s.append("-l").append(trimmed(lambda));
        }
        if (temperature != DEFAULT.temperature) {
            s.append("-T").append(trimmed(temperature));
        }
        if (warmupSteps != DEFAULT.warmupSteps) {
            s.append("-w").append(warmupSteps);
        }
        if (!teacher.equals(DEFAULT.teacher)) {
            s.append("-t").append(teacher);
        }
        return s.toString();
    }

    private static double number(Map<?, ?> r, String key, double fallback) {
        return r.get(key) instanceof Number n ? n.doubleValue() : fallback;
    }

    private static String trimmed(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
