package byot.stream.tools.rollback;

import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.tools.cli.Command;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;

/** {@code byot rollback --version N}: version N's weights, published again as the newest version (docs/reliability.md). */
public final class RollbackCommand implements Command {

    @Override
    public String name() {
        return "rollback";
    }

    @Override
    public String summary() {
        return "Republish an earlier model version's weights from the models topic as its newest version";
    }

    @Override
    public Options options() {
        return ClientOptions.declare(new Options())
                .required("version", "Model version to go back to (it must be on the models topic)")
                // The job's own declarations: the same topic and key the job publishes with. With a key, version N
                // must verify under it and the new record is signed with it; the job takes weights only from a signed topic.
                .add(AdaptOptions.MODELS_TOPIC).add(AdaptOptions.MODEL_KEY)
                .add("timeout-s", "60", "Longest to wait for the brokers, reading and publishing");
    }

    @Override
    public int run(Parsed args) throws Exception {
        long version = args.getLong("version");
        if (version < 0) {
            throw new UsageException("--version must be >= 0, got " + version);
        }
        Configuration job = args.configuration();
        // A missing or short key fails here, with its reason, before the topic is read.
        ModelUpdateCodec codec = ModelUpdateCodec.forKey(AdaptOptions.modelKey(job));
        String topic = AdaptOptions.MODELS_TOPIC.get(job);
        var result = new ModelRollback(ClientOptions.client(args), codec, Duration.ofSeconds(args.getLong("timeout-s")))
                .rollBack(topic, version);
        System.out.println("published the weights of version " + result.from() + " (" + result.where() + ") as version "
                + result.as() + " on " + topic + ", weights " + result.weights());
        System.err.println("byot rollback: a running job does not see it; stop the job (byot cluster stop-job) and start it"
                + " again, from its savepoint or fresh, with the same --model-key: the learner then continues from version "
                + result.as() + " (docs/reliability.md)");
        return 0;
    }
}
