package byot.stream.tools.cli;

import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
/** One {@code byot} subcommand. Its name may have two words ("bench kafka"). */
public interface Command {
    String name();

    /** One line for {@code byot --help}. */
    String summary();

    Options options();

    /** Runs the command; returns the process exit code. Throw {@link UsageException} for caller mistakes. */
    int run(Parsed args) throws Exception;
}
