package byot.stream.tools.monitor;

import byot.stream.connectors.kafka.Topics;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/** {@code byot monitor}: a live web page of the pipeline's metrics windows and dead letters, until Ctrl-C. */
public final class MonitorCommand implements Command {

    @Override
    public String name() {
        return "monitor";
    }

    @Override
    public String summary() {
        return "Serve a live page on 127.0.0.1 of the metrics topic: exit depths, accuracy per exit, throughput, dead letters";
    }

    @Override
    public Options options() {
        return ClientOptions.declare(new Options())
                .add("metrics-topic", Topics.METRICS, "Topic of metrics windows (JSON)")
                .add("dead-letter-topic", Topics.DEAD_LETTER, "Topic of dead letters (JSON)")
                .add("port", "8088", "HTTP port on 127.0.0.1 (0 picks a free one)")
                .add("from-beginning", "true", "true: read both topics from their start; false: only what arrives from now on")
                .add("windows", "120", "Metrics windows kept for the charts over time")
                .add("dead-letters", "20", "Dead letters listed on the page");
    }

    @Override
    public int run(Parsed args) throws Exception {
        int port = args.getInt("port");
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be 0..65535, got " + port);
        }
        int windows = args.getInt("windows");
        int deadLetters = args.getInt("dead-letters");
        if (windows < 1 || deadLetters < 1) {
            throw new UsageException("--windows and --dead-letters must be at least 1");
        }
        MetricsFeed.Config config = new MetricsFeed.Config(ClientOptions.client(args), args.get("metrics-topic"),
                args.get("dead-letter-topic"), fromBeginning(args.get("from-beginning")));
        MonitorState state = new MonitorState(windows, deadLetters, config.client().bootstrapServers(),
                config.metricsTopic(), config.deadLetterTopic(), System::currentTimeMillis);

        MetricsFeed feed = new MetricsFeed(config, state);
        MonitorServer server;
        try {
            server = MonitorServer.start(port, state::snapshot);
        } catch (java.net.BindException e) {
            throw new UsageException("port " + port + " on 127.0.0.1 is taken (--port 0 picks a free one)");
        }
        feed.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("byot monitor: stopping");
            server.close();
            try {
                feed.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped.countDown();
        }, "byot-monitor-shutdown"));
        System.out.println("monitor: " + server.url());
        System.out.flush();
        System.err.println("byot monitor: reading " + config.metricsTopic() + " and " + config.deadLetterTopic() + " at "
                + config.client().bootstrapServers() + "; Ctrl-C stops");
        stopped.await();
        return 0;
    }

    private static boolean fromBeginning(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new UsageException("--from-beginning must be true or false, got '" + value + "'");
        };
    }
}
