package byot.stream.tools.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.kafka.KafkaClientProperties;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The feed's behaviour without a broker; with one, MonitorBrowserITCase covers it. */
class MetricsFeedTest {

    @Test
    void aBrokerThatDoesNotAnswerIsReportedAsUnreachableAndCloseStillReturns() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        String servers = "127.0.0.1:" + port;
        MonitorState state = new MonitorState(5, 5, servers, "metrics", "dead-letter", System::currentTimeMillis);
        MetricsFeed feed = new MetricsFeed(new MetricsFeed.Config(KafkaClientProperties.of(servers), "metrics",
                "dead-letter", true), state);
        feed.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!state.snapshot().feed().state().equals("UNREACHABLE") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(state.snapshot().feed().state()).isEqualTo("UNREACHABLE");
            assertThat(state.snapshot().feed().detail()).contains(servers);
        } finally {
            long start = System.nanoTime();
            feed.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
