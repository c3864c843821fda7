package byot.stream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.concurrent.CompletionException;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.apache.logging.log4j.core.filter.AbstractFilterable;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

class JobEndCheckpointAbortFilterTest {

    private static final String CHECKPOINT_FAILURE_MANAGER = "org.apache.flink.runtime.checkpoint.CheckpointFailureManager";

    private static LogEvent warning(Throwable thrown) {
        return Log4jLogEvent.newBuilder()
                .setLoggerName(CHECKPOINT_FAILURE_MANAGER)
                .setLevel(Level.WARN)
                .setMessage(new SimpleMessage("Failed to trigger or complete checkpoint 7 for job 42. (0 consecutive failed attempts so far)"))
                .setThrown(thrown)
                .build();
    }

    @Test
    void dropsOnlyCheckpointsAbortedBecauseTheJobEnds() {
        Filter filter = JobEndCheckpointAbortFilter.create();

        assertThat(filter.filter(warning(new CheckpointException(CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND))))
                .isEqualTo(Filter.Result.DENY);
        assertThat(filter.filter(warning(new CompletionException(
                new CheckpointException(CheckpointFailureReason.CHECKPOINT_COORDINATOR_SHUTDOWN)))))
                .as("found as a cause, as the coordinator's futures wrap it")
                .isEqualTo(Filter.Result.DENY);

        assertThat(filter.filter(warning(new CheckpointException(CheckpointFailureReason.CHECKPOINT_EXPIRED))))
                .as("a checkpoint that timed out while the job runs is worth a warning")
                .isEqualTo(Filter.Result.NEUTRAL);
        assertThat(filter.filter(warning(new CheckpointException(CheckpointFailureReason.CHECKPOINT_DECLINED))))
                .isEqualTo(Filter.Result.NEUTRAL);
        assertThat(filter.filter(warning(new IllegalStateException("Checkpoint Coordinator is suspending."))))
                .as("matched by type and reason, not by words")
                .isEqualTo(Filter.Result.NEUTRAL);
        assertThat(filter.filter(warning(null))).isEqualTo(Filter.Result.NEUTRAL);
    }

    @Test
    void theCommandLinesConsoleAppenderCarriesIt() throws Exception {
        try (InputStream xml = getClass().getResourceAsStream("/log4j2-cli.xml");
             LoggerContext context = new LoggerContext("cli-config-test")) {
            XmlConfiguration config = new XmlConfiguration(context, new ConfigurationSource(xml));
            config.initialize();
            Appender console = config.getAppender("stderr");

            assertThat(console).as("log4j2-cli.xml's console appender").isNotNull();
            assertThat(((AbstractFilterable) console).getFilter())
                    .as("the plugin is found by name, so log4j-core's annotation processor registered it")
                    .isInstanceOf(JobEndCheckpointAbortFilter.class);
        }
    }
}
