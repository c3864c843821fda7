package byot.stream.tools.cli;

import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.broker.BrokerConfig;
import byot.stream.broker.EmbeddedKafkaBroker;
import byot.stream.connectors.kafka.TopicAdmin;
import java.util.concurrent.CountDownLatch;

/** {@code byot kafka}: a single-node broker on 127.0.0.1 in the foreground, with the pipeline's topics. */
public final class KafkaCommand implements Command {
    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public String summary() {
        return "Run a single-node Kafka broker (KRaft, 127.0.0.1 only) with the pipeline's topics until Ctrl-C";
    }

    @Override
    public Options options() {
        return new Options()
                .add("port", "9092", "Client port on 127.0.0.1 (0 picks a free one)")
                .add("partitions", "4", "Partitions of images, predictions and dead-letter");
    }

    @Override
    public int run(Parsed args) throws Exception {
        int partitions = args.getInt("partitions");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(BrokerConfig.defaults().withPort(args.getInt("port")));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("byot kafka: stopping, deleting its data");
            broker.close();
            stopped.countDown();
        }, "byot-kafka-shutdown"));
        TopicAdmin.createAll(broker.bootstrapServers(), partitions);
        System.out.println("bootstrap servers: " + broker.bootstrapServers());
        System.err.println("byot kafka: topics created; data is temporary and goes with Ctrl-C");
        stopped.await();
        return 0;
    }
}
