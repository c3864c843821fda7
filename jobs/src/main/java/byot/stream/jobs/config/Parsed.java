package byot.stream.jobs.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parsed flag values; every typed getter turns a malformed value into a {@link UsageException}. */
public final class Parsed {
    private final Map<String, String> values;
    private final List<String> positional;
    private final java.util.Set<String> given;
    private final java.util.Set<String> declared;

    Parsed(Map<String, String> values, List<String> positional, java.util.Set<String> given, java.util.Set<String> declared) {
        this.values = Map.copyOf(values);
        this.positional = List.copyOf(positional);
        this.given = java.util.Set.copyOf(given);
        this.declared = java.util.Set.copyOf(declared);
    }

    /**
     * These values, with {@code fallback} in place of every flag that was not on the command line: a flag given
     * still wins, and a fallback wins over a declared default. Fallback names that are not declared flags are ignored.
     */
    public Parsed withFallback(Map<String, String> fallback) {
        Map<String, String> merged = new java.util.LinkedHashMap<>(values);
        fallback.forEach((name, value) -> {
            if (!given.contains(name) && (values.containsKey(name) || declared.contains(name))) {
                merged.put(name, value);
            }
        });
        return new Parsed(merged, positional, given, declared);
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
