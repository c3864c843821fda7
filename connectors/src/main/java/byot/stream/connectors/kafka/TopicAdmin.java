package byot.stream.connectors.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Creates the pipeline's topics; safe to run again against a cluster that already has them. */
public final class TopicAdmin {
    private TopicAdmin() {}

    /** Creates every topic of {@link Topics#all}; returns the names that were created now (not already there). */
    public static List<String> createAll(KafkaClientProperties client, int partitions) throws Exception {
        return create(client, Topics.all(partitions));
    }

    public static List<String> createAll(String bootstrapServers, int partitions) throws Exception {
        return createAll(KafkaClientProperties.of(bootstrapServers), partitions);
    }

    public static List<String> create(KafkaClientProperties client, List<TopicSpec> topics) throws Exception {
        List<String> created = new ArrayList<>();
        try (Admin admin = Admin.create(client.toProperties())) {
            var result = admin.createTopics(topics.stream()
                    .map(t -> new NewTopic(t.name(), Optional.of(t.partitions()), Optional.empty()).configs(t.configs()))
                    .toList());
            for (Map.Entry<String, KafkaFuture<Void>> e : result.values().entrySet()) {
                try {
                    e.getValue().get();
                    created.add(e.getKey());
                } catch (ExecutionException ex) {
                    // Existing topics keep their settings: re-running must not fail, and must not repartition.
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + e.getKey() + ": " + ex.getCause(),
                                ex.getCause());
                    }
                }
            }
            awaitLeaders(admin, topics.stream().map(TopicSpec::name).toList());
        }
        return created;
    }

    /**
     * What makes existing topics unfit for the pipeline, one line each (empty: fit). Existing topics keep their
     * settings, so a topic made earlier with broker defaults (a producer's auto-creation, a custom name) may refuse
     * a model record, or spread versions or metrics windows over partitions whose order nobody sees. Checked: the
     * partition count of single-partition topics, and {@code max.message.bytes} where a spec sets it.
     */
    public static List<String> unfit(KafkaClientProperties client, List<TopicSpec> topics) throws Exception {
        List<String> problems = new ArrayList<>();
        try (Admin admin = Admin.create(client.toProperties())) {
            List<String> names = topics.stream().map(TopicSpec::name).toList();
            var described = admin.describeTopics(names).allTopicNames().get();
            var configs = admin.describeConfigs(names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get();
            for (TopicSpec spec : topics) {
                int partitions = described.get(spec.name()).partitions().size();
                if (spec.partitions() == 1 && partitions != 1) {
                    problems.add(spec.name() + " has " + partitions + " partitions where its readers need 1, in order:"
                            + " delete and create it again");
                }
                String wanted = spec.configs().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                var actual = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()))
                        .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (wanted != null && actual != null && Long.parseLong(actual.value()) < Long.parseLong(wanted)) {
                    problems.add(spec.name() + " takes records of at most " + actual.value() + " bytes where "
                            + wanted + " are needed: kafka-configs --alter --entity-type topics --entity-name "
                            + spec.name() + " --add-config " + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + "=" + wanted);
                }
            }
        }
        return problems;
    }

    /**
     * Created is not yet writable: until every partition has a leader, first produce requests fail and are retried.
     * Once, on a loaded 2-core machine, an idempotent producer writing right after creation stalled with
     * OUT_OF_ORDER_SEQUENCE_NUMBER (Kafka 4.2, embedded broker); retries of early batches are the suspected cause,
     * so callers get topics back only when they are writable.
     */
    private static void awaitLeaders(Admin admin, List<String> names) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                boolean ready = admin.describeTopics(names).allTopicNames().get().values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                if (ready) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + names + " have partitions without a leader after 30 s");
            }
            Thread.sleep(50);
        }
    }
}
