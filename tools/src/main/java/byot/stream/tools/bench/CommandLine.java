package byot.stream.tools.bench;

import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;

/** The command that reproduces a benchmark's run, printed beside its figures. */
final class CommandLine {

    private CommandLine() {
    }

    /** {@code command} with every option that has a value spelled out, defaults included, so none can drift. */
    static String everyOption(String command, Options options, Parsed args) {
        StringBuilder line = new StringBuilder(command);
        for (String name : options.names()) {
            String value = args.optional(name).orElse("");
            if (!value.isEmpty()) {
                line.append(" --").append(name).append(' ').append(value);
            }
        }
        return line.toString();
    }
}
