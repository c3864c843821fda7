package byot.stream.tools.rollback;

import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.ModelUpdateCodec;
import byot.stream.connectors.kafka.KafkaClientProperties;
import byot.stream.connectors.kafka.ModelsTopicScan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The committed records of a models topic, read once from the beginning ({@code read_committed}, no consumer group):
 * the record of one version, and the newest version on the topic, which a republication must go past.
 */
final class ModelHistory {

    /**
     * @param target     the last record carrying the asked version, if any (a restore re-announces a version with the
     *                   same weights, so several can)
     * @param newest     the highest version of any record that decoded; -1 when none did
     * @param unreadable records that did not decode, or did not verify under the key
     */
    record Scan(Optional<Found> target, long newest, List<String> unreadable) {}

    /** @param where {@code topic-partition@offset} */
    record Found(ModelUpdate update, String where) {}

    private final KafkaClientProperties client;
    private final ModelUpdateCodec codec;
    private final Duration timeout;

    ModelHistory(KafkaClientProperties client, ModelUpdateCodec codec, Duration timeout) {
        this.client = client;
        this.codec = codec;
        this.timeout = timeout;
    }

    Scan scan(String topic, long version) {
        Found[] target = new Found[1];
        long[] newest = {-1};
        List<String> unreadable = new ArrayList<>();
        boolean exists = new ModelsTopicScan(client, codec, timeout).scan(topic, new ModelsTopicScan.Visitor() {
            @Override
            public void decoded(ModelUpdate update, String where) {
                newest[0] = Math.max(newest[0], update.modelVersion());
                if (update.modelVersion() == version) {
                    target[0] = new Found(update, where);
                }
            }

            @Override
            public void unreadable(String where, String reason) {
                unreadable.add(where + ": " + reason);
            }
        });
        if (!exists) {
            throw new IllegalArgumentException("topic " + topic + " does not exist");
        }
        return new Scan(Optional.ofNullable(target[0]), newest[0], unreadable);
    }
}
