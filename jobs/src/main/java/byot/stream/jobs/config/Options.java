package byot.stream.jobs.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flags one command accepts, declared once: parsing, validation and {@code --help} all read this
 * declaration, so the help text cannot drift from the code.
 */
public final class Options {

    private record Option(String name, String defaultValue, String description, boolean required, boolean isSwitch) {}

    private final Map<String, Option> options = new LinkedHashMap<>();

    /** An optional flag with a default ({@code null}: absent unless given). */
    public Options add(String name, String defaultValue, String description) {
        return put(new Option(name, defaultValue, description, false, false));
    }

    public Options required(String name, String description) {
        return put(new Option(name, null, description, true, false));
    }

    /** A boolean switch that takes no value. */
    public Options flag(String name, String description) {
        return put(new Option(name, null, description, false, true));
    }

    /** Names of the declared options, in declaration order. */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(options.keySet());
    }

    /** Changes the default of a declared option, e.g. for a command that reuses another's flags. */
    public Options withDefault(String name, String defaultValue) {
        Option o = options.get(name);
        if (o == null) {
            throw new IllegalStateException("no option --" + name + " to change the default of");
        }
        return withDefault(name, defaultValue, o.description());
    }

    /** As above, with the description that says what the new default means. */
    public Options withDefault(String name, String defaultValue, String description) {
        Option o = options.get(name);
        if (o == null) {
            throw new IllegalStateException("no option --" + name + " to change the default of");
        }
        options.put(name, new Option(name, defaultValue, description, false, o.isSwitch()));
        return this;
    }

    private Options put(Option option) {
        if (options.putIfAbsent(option.name(), option) != null) {
            throw new IllegalStateException("option declared twice: --" + option.name());
        }
        return this;
    }

    public Parsed parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) { // what follows belongs to someone else, e.g. a submitted job's own flags
                positional.addAll(List.of(args).subList(i + 1, args.length));
                break;
            }
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            String key = arg.substring(2);
            String inline = null;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                inline = key.substring(eq + 1);
                key = key.substring(0, eq);
            }
            Option option = options.get(key);
            if (option == null) {
                throw new UsageException("unknown option --" + key + " (see --help)");
            }
            if (option.isSwitch()) {
                values.put(key, inline == null ? "true" : inline);
            } else if (inline != null) {
                values.put(key, inline);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                values.put(key, args[++i]);
            } else {
                throw new UsageException("option --" + key + " needs a value");
            }
        }
        for (Option option : options.values()) {
            if (option.required() && !values.containsKey(option.name())) {
                throw new UsageException("missing required option --" + option.name() + " (" + option.description() + ")");
            }
            if (!values.containsKey(option.name()) && option.defaultValue() != null) {
                values.put(option.name(), option.defaultValue());
            }
        }
        return new Parsed(values, positional);
    }

    public String usage(String command, String summary) {
        StringBuilder out = new StringBuilder();
        out.append(summary).append("\n\nUsage: byot ").append(command).append(" [--option value]...\n");
        int width = options.keySet().stream().mapToInt(String::length).max().orElse(0) + 4;
        for (Option o : options.values()) {
            String tail = o.required() ? "(required)"
                    : o.isSwitch() ? "(switch)"
                    : o.defaultValue() == null ? "(optional)"
                    : "(default: " + o.defaultValue() + ")";
            out.append(String.format("  %-" + width + "s %s  %s%n", "--" + o.name(), o.description(), tail));
        }
        out.append(String.format("  %-" + width + "s %s%n", "--help", "Print this help and exit"));
        return out.toString();
    }
}
