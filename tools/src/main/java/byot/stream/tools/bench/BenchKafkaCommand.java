package byot.stream.tools.bench;

import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.tools.cli.Command;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;

/** {@code byot bench kafka}: one JSON line comparing replay throughput with Kafka's ProducerPerformance. */
public final class BenchKafkaCommand implements Command {
    @Override
    public String name() {
        return "bench kafka";
    }

    @Override
    public String summary() {
        return "Produce/consume throughput of Fashion-MNIST image events on an embedded broker vs Kafka's ProducerPerformance";
    }

    @Override
    public Options options() {
        return new Options()
                .add("records", "300000", "Records per measured run")
                .add("partitions", "4", "Partitions of the benchmark topics")
                .add("data", null, "Directory with Fashion-MNIST (default: " + FashionMnist.DEFAULT_DIR + ")");
    }

    @Override
    public int run(Parsed args) throws Exception {
        var data = FashionMnist.locate(args.optional("data").map(Path::of)).load(FashionMnist.Split.TRAIN);
        var result = new KafkaBench(data, args.getLong("records"), args.getInt("partitions")).run();
        ObjectMapper json = new ObjectMapper();
        var printed = json.createObjectNode().put("command", CommandLine.everyOption("./byot bench kafka", options(), args));
        printed.setAll((com.fasterxml.jackson.databind.node.ObjectNode) json.valueToTree(result));
        System.out.println(json.writeValueAsString(printed));
        return 0;
    }
}
