package byot.stream.jobs.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The flags one command accepts, declared once: parsing, validation and {@code --help} all read this declaration,
 * so the help text cannot drift from the code. Parsing and help are picocli's (its programmatic model): this class
 * only keeps the project's one-line way of declaring a flag, shared by the job's entry point and every tool.
 */
public final class Options {

    private record Option(String name, String defaultValue, String description, boolean required, boolean isSwitch) {}

    private final Map<String, Option> options = new LinkedHashMap<>();
    /** The declared options that are the job's ({@link JobOption}s), which {@link Parsed#configuration} carries. */
    private final Map<String, JobOption<?>> jobOptions = new LinkedHashMap<>();
    /** Options whose default this command changed ({@link #withDefault}): set, like given ones, over a cluster's. */
    private final Set<String> changedDefaults = new java.util.HashSet<>();
    /** What arguments after {@code --} are for; {@code null}: the command takes none, and a stray one is an error. */
    private String passedOn;

    /** An optional flag with a default ({@code null}: absent unless given). */
    public Options add(String name, String defaultValue, String description) {
        return put(new Option(name, defaultValue, description, false, false));
    }

    /**
     * The job's option {@code option} as the flag {@code --<option.flag()>}: its default, description and accepted
     * values come from its one declaration, and {@link Parsed#configuration} turns the parsed value into it.
     */
    public Options add(JobOption<?> option) {
        put(new Option(option.flag(), option.defaultText(), option.help(), false, option.isToggle()));
        jobOptions.put(option.flag(), option);
        return this;
    }

    /** Adds each of {@code declared}, in order. */
    public Options addAll(java.util.Collection<? extends JobOption<?>> declared) {
        declared.forEach(this::add);
        return this;
    }

    public Options required(String name, String description) {
        return put(new Option(name, null, description, true, false));
    }

    /** A boolean switch: {@code --name} or {@code --name=false}. */
    public Options flag(String name, String description) {
        return put(new Option(name, null, description, false, true));
    }

    /**
     * Accepts arguments after {@code --} (and only there), passed on untouched, e.g. a submitted job's own flags;
     * {@link Parsed#positional()} returns them.
     */
    public Options passOn(String description) {
        this.passedOn = description;
        return this;
    }

    /** Names of the declared options, in declaration order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(options.keySet());
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
        changedDefaults.add(name);
        return this;
    }

    private Options put(Option option) {
        if (options.putIfAbsent(option.name(), option) != null) {
            throw new IllegalStateException("option declared twice: --" + option.name());
        }
        return this;
    }

    /**
     * Parses {@code args}; what follows a lone {@code --} is passed on untouched as positional arguments (e.g. a
     * submitted job's own flags). Every error is a {@link UsageException} with one line for the user.
     */
    public Parsed parse(String[] args) {
        if (passedOn == null && java.util.Arrays.asList(args).contains("--")) {
            throw new UsageException("this command takes no arguments after -- (flags go before it; see --help)");
        }
        CommandSpec spec = spec("byot", "");
        ParseResult result;
        try {
            result = new CommandLine(spec).parseArgs(args);
        } catch (ParameterException e) {
            throw new UsageException(oneLine(e));
        }
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> given = new java.util.HashSet<>();
        for (Option o : options.values()) {
            OptionSpec matched = result.matchedOption("--" + o.name());
            if (matched != null) {
                given.add(o.name());
                values.put(o.name(), o.isSwitch() ? String.valueOf((Boolean) matched.getValue()) : matched.getValue());
            } else if (o.defaultValue() != null) {
                values.put(o.name(), o.defaultValue());
            }
        }
        List<String> positional = result.matchedPositionals().isEmpty() ? List.of()
                : result.matchedPositionals().get(0).getValue();
        Set<String> explicit = new java.util.HashSet<>(given);
        changedDefaults.stream().filter(values::containsKey).forEach(explicit::add);
        return new Parsed(values, positional == null ? List.of() : positional, given, options.keySet(), jobOptions, explicit);
    }

    /** Whether {@code args} ask for help: {@code --help} or {@code -h} before any {@code --}, which ends our flags. */
    public static boolean asksForHelp(String[] args) {
        for (String arg : args) {
            if (arg.equals("--")) {
                return false;
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /** {@code --help}: the summary, then every flag with its description and default. */
    public String usage(String command, String summary) {
        return new CommandLine(spec("byot " + command, summary)).getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    private CommandSpec spec(String name, String summary) {
        CommandSpec spec = CommandSpec.create().name(name);
        spec.usageMessage().description(summary).sortOptions(false).width(120).abbreviateSynopsis(true);
        // The last of a repeated flag wins (as before picocli, and so appended defaults can be overridden); no @file
        // expansion: an argument naming a file must stay that argument, also in a JobManager running the job's main.
        spec.parser().abbreviatedOptionsAllowed(false).trimQuotes(false).overwrittenOptionsAllowed(true).expandAtFiles(false);
        for (Option o : options.values()) {
            OptionSpec.Builder b = OptionSpec.builder("--" + o.name()).required(o.required());
            if (o.isSwitch()) {
                b.type(boolean.class).arity("0..1").paramLabel("true|false").description(o.description());
            } else {
                String tail = o.required() ? " (required)" : o.defaultValue() == null ? "" : " (default: " + o.defaultValue() + ")";
                b.type(String.class).arity("1").paramLabel("<" + o.name() + ">").description(o.description() + tail);
            }
            spec.addOption(b.build());
        }
        spec.addOption(OptionSpec.builder("--help", "-h").usageHelp(true).description("Print this help and exit").build());
        if (passedOn != null) {
            spec.addPositional(PositionalParamSpec.builder().arity("0..*").type(List.class).auxiliaryTypes(String.class)
                    .paramLabel("-- ARGS").description(passedOn).build());
        }
        return spec;
    }

    /** picocli's messages, in the words this project has always used for the two most common mistakes. */
    private static String oneLine(ParameterException e) {
        String message = e.getMessage();
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            return arg.startsWith("-") ? "unknown option " + arg.split("=", 2)[0] + " (see --help)"
                    : "unexpected argument '" + arg + "' (see --help)";
        }
        if (e instanceof CommandLine.MissingParameterException m && !m.getMissing().isEmpty()
                && m.getMissing().get(0) instanceof OptionSpec missing) {
            if (!missing.required()) {
                return "option " + missing.longestName() + " needs a value";
            }
            return "missing required option " + missing.longestName() + " (" + String.join(" ", missing.description())
                    .replace(" (required)", "") + ")";
        }
        return message;
    }
}
