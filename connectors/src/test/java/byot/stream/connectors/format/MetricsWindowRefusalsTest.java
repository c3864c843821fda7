package byot.stream.connectors.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The metrics window's count of refused publications: on the wire, and absent (0) in records that predate it. */
class MetricsWindowRefusalsTest {

    private final JsonCodec<MetricsWindow> metrics = JsonCodec.metricsWindows();

    @Test
    void roundTripsAndReadsOlderRecordsAsNone() throws Exception {
        MetricsWindow w = new MetricsWindow(1000, 6000, 4, 0, new long[2], new long[2], new long[2], 0, 0, 0, 0, 0, 0, 2);
        byte[] bytes = metrics.encode(w);
        assertThat(new String(bytes, UTF_8)).contains("\"publishesRefused\":2");
        assertThat(metrics.decode(bytes).publishesRefused()).isEqualTo(2);

        String older = "{\"windowStart\":1000,\"windowEnd\":6000,\"modelVersion\":4,\"count\":0,\"exitHistogram\":[0,0],"
                + "\"perExitCorrect\":[0,0],\"perExitLabeled\":[0,0],\"meanConfidence\":0,\"throughput\":0,"
                + "\"latencyP50Ms\":0,\"latencyP95Ms\":0,\"latencyP99Ms\":0,\"deadLetters\":1}";
        MetricsWindow read = metrics.decode(older.getBytes(UTF_8));
        assertThat(read.publishesRefused()).isZero();
        assertThat(read.deadLetters()).isEqualTo(1);
    }
}
