package byot.stream.tools.cli;

import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.TopicAdmin;
import byot.stream.connectors.kafka.TopicSpec;
import byot.stream.connectors.kafka.Topics;
import java.util.List;

/** {@code byot topics create}: the pipeline's topics with their settings; existing topics are left as they are. */
public final class TopicsCreateCommand implements Command {
    @Override
    public String name() {
        return "topics create";
    }

    @Override
    public String summary() {
        return "Create the pipeline's topics (images, predictions, models, metrics, dead-letter); idempotent";
    }

    @Override
    public Options options() {
        return ClientOptions.declare(new Options())
                .add("partitions", "4", "Partitions of images, predictions and dead-letter (models and metrics get 1)");
    }

    @Override
    public int run(Parsed args) throws Exception {
        KafkaClientProperties client = ClientOptions.client(args);
        List<TopicSpec> topics = Topics.all(args.getInt("partitions"));
        List<String> created = TopicAdmin.create(client, topics);
        for (TopicSpec t : topics) {
            System.out.printf("%-12s %-8s partitions=%d %s%n", t.name(), created.contains(t.name()) ? "created" : "exists",
                    t.partitions(), t.configs().isEmpty() ? "" : t.configs());
        }
        // Existing topics keep their own settings: say where they would break the pipeline instead of printing ours.
        List<String> unfit = TopicAdmin.unfit(client, topics.stream().filter(t -> !created.contains(t.name())).toList());
        unfit.forEach(problem -> System.err.println("byot topics create: " + problem));
        return unfit.isEmpty() ? 0 : 1;
    }
}
