package byot.stream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.tools.Byot;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** byot produce against a real broker: the summary on stdout, and a shift that would never happen said so. */
class ProduceCommandTest {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void aShiftAfterTheLastEventIsWarnedAboutAndTheSummaryIsPrinted() throws Exception {
        KAFKA.createTopics("produce-images");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        int rc;
        try {
            // The command writes to the process's own streams: its summary on stdout, as scripts read it.
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = Byot.run(new String[] {"produce", "--bootstrap-servers", KAFKA.bootstrapServers(), "--topic", "produce-images",
                    "--split", "test", "--limit", "20", "--rate", "0", "--shift", "30000:invert"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        assertThat(rc).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("the shift starts at event 30000, but this replay sends 20 events");
        assertThat(new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8)).get("sent").asLong()).isEqualTo(20);
        assertThat(KAFKA.drain("produce-images")).hasSize(20);
    }
}
