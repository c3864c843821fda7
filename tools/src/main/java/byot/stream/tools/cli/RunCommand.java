package byot.stream.tools.cli;

import byot.stream.jobs.adapt.AdaptJob;
import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;

/**
 * {@code byot run} (alias {@code byot adapt}): the job jar's own entry point ({@link AdaptJob}) run from the
 * command line, in a local MiniCluster by default. The flags are the job's, declared once in {@link AdaptOptions}.
 */
public final class RunCommand implements Command {

    private final String name;

    public RunCommand(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String summary() {
        return name.equals("run") ? AdaptJob.SUMMARY : "Alias of run";
    }

    @Override
    public Options options() {
        return AdaptOptions.declare();
    }

    @Override
    public int run(Parsed args) throws Exception {
        AdaptJob.report(AdaptJob.run(args, "byot " + name, System.err), System.err);
        return 0;
    }
}
