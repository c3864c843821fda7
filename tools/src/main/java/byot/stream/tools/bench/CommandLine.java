package byot.stream.tools.bench;

import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;

/** The command that reproduces a benchmark's run, printed beside its figures. */
public final class CommandLine {

    private CommandLine() {
    }

    /** {@code command} with every option that has a value spelled out, defaults included, so none can drift. */
    public static String everyOption(String command, Options options, Parsed args) {
        StringBuilder line = new StringBuilder(command);
        for (String name : options.names()) {
            // An empty value is a choice too (--infer-batches "" times no inference): left out, a rerun would take the
            // default instead. Only an option with no value at all is left out.
            args.optional(name).ifPresent(value -> line.append(" --").append(name).append(' ').append(quoted(value)));
        }
        return line.toString();
    }

    /** As a shell reads it back: empty as "", with spaces or quotes in single quotes. */
    static String quoted(String value) {
        if (value.isEmpty()) {
            return "\"\"";
        }
        return value.matches("[A-Za-z0-9_./:=,@%+-]+") ? value : "'" + value.replace("'", "'\\''") + "'";
    }
}
