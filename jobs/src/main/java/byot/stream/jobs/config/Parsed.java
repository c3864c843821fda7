package byot.stream.jobs.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/** Parsed flag values; every typed getter turns a malformed value into a {@link UsageException}. */
public final class Parsed {
    private final Map<String, String> values;
    private final List<String> positional;
    private final java.util.Set<String> given;
    private final java.util.Set<String> declared;
    private final Map<String, JobOption<?>> jobOptions;
    private final java.util.Set<String> explicit;

    Parsed(Map<String, String> values, List<String> positional, java.util.Set<String> given, java.util.Set<String> declared,
           Map<String, JobOption<?>> jobOptions, java.util.Set<String> explicit) {
        this.values = Map.copyOf(values);
        this.positional = List.copyOf(positional);
        this.given = java.util.Set.copyOf(given);
        this.declared = java.util.Set.copyOf(declared);
        this.jobOptions = Map.copyOf(jobOptions);
        this.explicit = java.util.Set.copyOf(explicit);
    }

    /** The job's options as parsed, over nothing: see {@link #configuration(ReadableConfig)}. */
    public Configuration configuration() {
        return configuration(new Configuration());
    }

    /**
     * {@code base} (a cluster's configuration, where the job's options may be set as {@code byot.<flag>}) with every
     * job option this command line set on top: a flag given wins, then {@code base}, then the option's declared
     * default (which is not copied in, so a reader can tell "set" from "defaulted"). A default the command itself
     * changed counts as set. Every job option is read back once here, so a malformed value fails now, naming its flag.
     */
    public Configuration configuration(ReadableConfig base) {
        Configuration config = Configuration.fromMap(base.toMap());
        for (JobOption<?> option : jobOptions.values()) {
            String value = values.get(option.flag());
            if (value != null && explicit.contains(option.flag())) {
                config.setString(option.key(), value);
            }
        }
        jobOptions.values().forEach(option -> option.optional(config));
        return config;
    }

    /** Whether the flag was on the command line, as opposed to taking its declared default. */
    public boolean given(String name) {
        return given.contains(name);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public Optional<String> optional(String name) {
        return Optional.ofNullable(values.get(name));
    }

    public String get(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("option --" + name + " is required here");
        }
        return v;
    }

    public boolean flag(String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    public int getInt(String name) {
        try {
            return Integer.parseInt(get(name).trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " expects an integer, got '" + get(name) + "'");
        }
    }

    /** A count or a size: an integer of at least 1. */
    public int getPositiveInt(String name) {
        int value = getInt(name);
        if (value < 1) {
            throw new UsageException("option --" + name + " must be at least 1, got " + value);
        }
        return value;
    }

    /** A comma-separated list of integers, e.g. batch sizes; empty entries are skipped, so "" is an empty list. */
    public int[] getInts(String name) {
        try {
            return java.util.Arrays.stream(get(name).split(",")).map(String::trim).filter(v -> !v.isEmpty())
                    .mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " expects comma-separated integers, got '" + get(name) + "'");
        }
    }

    public long getLong(String name) {
        try {
            return Long.parseLong(get(name).trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " expects an integer, got '" + get(name) + "'");
        }
    }

    public double getDouble(String name) {
        try {
            return Double.parseDouble(get(name).trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " expects a number, got '" + get(name) + "'");
        }
    }

    /** A comma-separated list of numbers, e.g. per-exit thresholds. */
    public double[] getDoubles(String name) {
        try {
            return java.util.Arrays.stream(get(name).split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " expects comma-separated numbers, got '" + get(name) + "'");
        }
    }

    public List<String> positional() {
        return positional;
    }
}
