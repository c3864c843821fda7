package byot.stream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A short run against its own broker: the figures come with the command that reproduces them. */
class BenchKafkaCommandTest {

    @Test
    void printsItsCommandBesideTheFigures() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BenchKafkaCommand command = new BenchKafkaCommand();
        int rc;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            rc = command.run(command.options().parse(new String[] {"--records", "2000", "--partitions", "1"}));
        } finally {
            System.setOut(stdout);
        }
        assertThat(rc).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(json.get("command").asText()).isEqualTo("./byot bench kafka --records 2000 --partitions 1");
        assertThat(json.size()).as("the figures too").isGreaterThan(1);
    }
}
