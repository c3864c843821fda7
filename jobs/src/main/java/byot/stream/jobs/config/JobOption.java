package byot.stream.jobs.config;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * One option of the job, declared once: a Flink {@link ConfigOption} with key {@code byot.<flag>}, its type, default
 * and description, plus the values it accepts. The command line's {@code --<flag>} ({@link Options#add(JobOption)}),
 * a cluster's configuration (flink-conf, a {@code FlinkDeployment}'s {@code flinkConfiguration}) and the job itself
 * ({@link #get}) all read this one declaration, so help, defaults and checks cannot drift apart.
 */
public final class JobOption<T> {

    /** Where a cluster's configuration keeps the job's options: {@code --threshold} is {@code byot.threshold}. */
    public static final String PREFIX = "byot.";

    private final ConfigOption<T> option;
    private final String flag;
    private final String description;
    private final String kind;
    private final Predicate<T> valid;
    private final String requirement;
    /** What {@link #get} returns for an accepted value: a choice's in lower case, however it was typed. */
    private final UnaryOperator<T> canonical;

    private JobOption(ConfigOption<T> option, String flag, String description, String kind, Predicate<T> valid,
                      String requirement) {
        this(option, flag, description, kind, valid, requirement, UnaryOperator.identity());
    }

    private JobOption(ConfigOption<T> option, String flag, String description, String kind, Predicate<T> valid,
                      String requirement, UnaryOperator<T> canonical) {
        this.option = option;
        this.flag = flag;
        this.description = description;
        this.kind = kind;
        this.valid = valid;
        this.requirement = requirement;
        this.canonical = canonical;
    }

    /** Free text; {@code defaultValue} may be {@code null} (absent unless set). */
    public static JobOption<String> text(String flag, String defaultValue, String description) {
        var builder = ConfigOptions.key(PREFIX + flag).stringType();
        ConfigOption<String> option = defaultValue == null ? builder.noDefaultValue() : builder.defaultValue(defaultValue);
        return new JobOption<>(option.withDescription(description), flag, description, "text", v -> true, null);
    }

    /** One of {@code choices} (lower case), accepted in any case and read back in lower case. */
    public static JobOption<String> choice(String flag, String defaultValue, String description, String... choices) {
        List<String> allowed = List.of(choices);
        JobOption<String> checked = text(flag, defaultValue, description).require(
                v -> allowed.contains(v.toLowerCase(Locale.ROOT)), "one of " + String.join(", ", allowed));
        return new JobOption<>(checked.option, flag, description, checked.kind, checked.valid, checked.requirement,
                v -> v.toLowerCase(Locale.ROOT));
    }

    public static JobOption<Integer> integer(String flag, int defaultValue, String description) {
        ConfigOption<Integer> option = ConfigOptions.key(PREFIX + flag).intType().defaultValue(defaultValue);
        return new JobOption<>(option.withDescription(description), flag, description, "an integer", v -> true, null);
    }

    public static JobOption<Long> longInteger(String flag, long defaultValue, String description) {
        ConfigOption<Long> option = ConfigOptions.key(PREFIX + flag).longType().defaultValue(defaultValue);
        return new JobOption<>(option.withDescription(description), flag, description, "an integer", v -> true, null);
    }

    public static JobOption<Double> number(String flag, double defaultValue, String description) {
        ConfigOption<Double> option = ConfigOptions.key(PREFIX + flag).doubleType().defaultValue(defaultValue);
        return new JobOption<>(option.withDescription(description), flag, description, "a number",
                v -> Double.isFinite(v), "finite");
    }

    /** A switch: {@code --flag} on the command line, {@code byot.flag: true} in a configuration; off by default. */
    public static JobOption<Boolean> toggle(String flag, String description) {
        ConfigOption<Boolean> option = ConfigOptions.key(PREFIX + flag).booleanType().defaultValue(false);
        return new JobOption<>(option.withDescription(description), flag, description, "true or false", v -> true, null);
    }

    /** This option, accepting only values that pass {@code test}; {@code requirement} says which, e.g. "at least 1". */
    public JobOption<T> require(Predicate<T> test, String requirement) {
        Predicate<T> both = this.requirement == null ? test : valid.and(test);
        String text = this.requirement == null || this.requirement.equals("finite") ? requirement
                : this.requirement + " and " + requirement;
        return new JobOption<>(option, flag, description, kind, both, text, canonical);
    }

    /**
     * The value in {@code config} (or the default), checked: a value of the wrong type or outside the accepted ones is
     * a {@link UsageException} naming both the flag and the configuration key.
     */
    public T get(ReadableConfig config) {
        T value = read(config);
        if (value == null) {
            throw new UsageException("option --" + flag + " (" + key() + ") is required here");
        }
        return value;
    }

    /** As {@link #get}, for an option without a default: empty when nothing sets it. */
    public Optional<T> optional(ReadableConfig config) {
        return Optional.ofNullable(read(config));
    }

    private T read(ReadableConfig config) {
        T value;
        try {
            value = config.getOptional(option).orElse(option.hasDefaultValue() ? option.defaultValue() : null);
        } catch (IllegalArgumentException e) {
            throw new UsageException("option --" + flag + " (" + key() + ") expects " + kind + ", got '"
                    + config.toMap().get(key()) + "'");
        }
        if (value != null && !valid.test(value)) {
            throw new UsageException("option --" + flag + " (" + key() + ") must be " + requirement + ", got " + value);
        }
        return value == null ? null : canonical.apply(value);
    }

    public ConfigOption<T> option() {
        return option;
    }

    public String key() {
        return option.key();
    }

    public String flag() {
        return flag;
    }

    boolean isToggle() {
        return kind.equals("true or false");
    }

    /** What {@code --help} says: the description and, where there is one, what values are accepted. */
    String help() {
        return requirement == null || requirement.equals("finite") ? description : description + "; " + requirement;
    }

    /** The default as a user would type it ({@code null}: none); numbers without an exponent or a trailing ".0". */
    String defaultText() {
        if (!option.hasDefaultValue() || isToggle()) {
            return null;
        }
        Object value = option.defaultValue();
        return value instanceof Double d ? BigDecimal.valueOf(d).stripTrailingZeros().toPlainString() : String.valueOf(value);
    }
}
