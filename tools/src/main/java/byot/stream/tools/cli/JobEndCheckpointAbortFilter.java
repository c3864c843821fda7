package byot.stream.tools.cli;

import java.util.Set;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.flink.util.ExceptionUtils;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Node;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;
import org.apache.logging.log4j.core.filter.AbstractFilter;

/**
 * Keeps off the terminal the warning, stack trace and all, that Flink's checkpoint failure manager logs for a
 * checkpoint still in flight when its job is cancelled or stopped: the coordinator aborts it as "suspending" or
 * "shut down", which is how every command that ends its job ends (the demo, the benchmarks, {@code run} on
 * Ctrl-C), not a failure. Every other checkpoint failure, and every other event, passes. Declared on the console
 * appender of {@code log4j2-cli.xml}.
 */
@Plugin(name = "JobEndCheckpointAbortFilter", category = Node.CATEGORY, elementType = Filter.ELEMENT_TYPE)
public final class JobEndCheckpointAbortFilter extends AbstractFilter {

    private static final Set<CheckpointFailureReason> JOB_ENDING = Set.of(
            CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND,
            CheckpointFailureReason.CHECKPOINT_COORDINATOR_SHUTDOWN);

    private JobEndCheckpointAbortFilter() {
        super(Result.DENY, Result.NEUTRAL);
    }

    @PluginFactory
    public static JobEndCheckpointAbortFilter create() {
        return new JobEndCheckpointAbortFilter();
    }

    @Override
    public Result filter(LogEvent event) {
        return abortedByJobEnd(event.getThrown()) ? onMatch : onMismatch;
    }

    static boolean abortedByJobEnd(Throwable thrown) {
        return thrown != null && ExceptionUtils.findThrowable(thrown, CheckpointException.class)
                .map(e -> JOB_ENDING.contains(e.getCheckpointFailureReason()))
                .orElse(false);
    }
}
