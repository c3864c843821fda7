package byot.stream.tools.demo;

import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.ModelsTopicScan;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Model versions read back from a models topic after a run, to score them offline: the committed records
 * ({@code read_committed}) from the beginning of the topic to its end as of the call. Only the versions asked for
 * and the newest are kept (each is megabytes); a record that does not decode or verify under the codec is skipped and
 * counted. When a version line was restarted ({@code --fresh}) a number can occur twice: the later record wins.
 */
final class PublishedModels {

    /** @param newest the highest version read; empty when the topic holds none */
    record Found(Map<Long, ModelUpdate> wanted, Optional<ModelUpdate> newest, int undecodable) {}

    private final KafkaClientProperties client;
    private final ModelUpdateCodec codec;
    private final Duration timeout;

    PublishedModels(KafkaClientProperties client, ModelUpdateCodec codec, Duration timeout) {
        this.client = client;
        this.codec = codec;
        this.timeout = timeout;
    }

    Found read(String topic, Set<Long> versions) {
        Map<Long, ModelUpdate> wanted = new HashMap<>();
        ModelUpdate[] newest = new ModelUpdate[1];
        int[] undecodable = {0};
        new ModelsTopicScan(client, codec, timeout).scan(topic, new ModelsTopicScan.Visitor() {
            @Override
            public void decoded(ModelUpdate update, String where) {
                if (versions.contains(update.modelVersion())) {
                    wanted.put(update.modelVersion(), update);
                }
                if (newest[0] == null || update.modelVersion() >= newest[0].modelVersion()) {
                    newest[0] = update;
                }
            }

            @Override
            public void unreadable(String where, String reason) {
                undecodable[0]++;
            }
        });
        return new Found(wanted, Optional.ofNullable(newest[0]), undecodable[0]);
    }
}
