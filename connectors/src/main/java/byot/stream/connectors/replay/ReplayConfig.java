package byot.stream.connectors.replay;

import byot.stream.connectors.kafka.KafkaClientProperties;
import java.util.Objects;

/**
 * What {@link ReplayProducer} streams and how fast. Start from {@link #onePass} and change what differs by name
 * ({@code onePass(client, "images", "test").rate(200).labeledFraction(0.3).shift(shift)}), not by position.
 *
 * @param split names the split in event ids ({@code <split>-<index>-<loop>})
 * @param rate events per second; 0 sends as fast as the producer accepts
 * @param labeledFraction share of events that keep their label (0..1); the rest are sent with label -1
 * @param limit stop after this many events; 0 means one pass, or forever with {@code loop}
 * @param loop start again from the first image when the split is exhausted
 * @param shift domain shift, or {@code null}
 * @param classOrder class-incremental order, or {@code null} for file order
 * @param seed drives label hiding and noise: the same seed gives the same stream
 * @param sources events are spread over this many source ids, {@code camera-0 ..}; the key, hence the partition
 */
public record ReplayConfig(KafkaClientProperties client, String topic, String split, double rate,
        double labeledFraction, long limit, boolean loop, DomainShift shift, ClassOrder classOrder, long seed,
        int sources) {

    public static final int DEFAULT_SOURCES = 16;

    public ReplayConfig {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(split, "split");
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate must be >= 0 events/s (0 = as fast as possible), got " + rate);
        }
        if (!(labeledFraction >= 0 && labeledFraction <= 1)) {
            throw new IllegalArgumentException("labeled fraction must be in [0, 1], got " + labeledFraction);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 (0 = no limit), got " + limit);
        }
        if (sources <= 0) {
            throw new IllegalArgumentException("sources must be > 0, got " + sources);
        }
    }

    /** One pass over the split, as fast as possible, every label kept. */
    public static ReplayConfig onePass(KafkaClientProperties client, String topic, String split) {
        return new ReplayConfig(client, topic, split, 0, 1.0, 0, false, null, null, 0, DEFAULT_SOURCES);
    }

    public ReplayConfig rate(double eventsPerSecond) {
        return new ReplayConfig(client, topic, split, eventsPerSecond, labeledFraction, limit, loop, shift, classOrder, seed, sources);
    }

    public ReplayConfig labeledFraction(double fraction) {
        return new ReplayConfig(client, topic, split, rate, fraction, limit, loop, shift, classOrder, seed, sources);
    }

    /** At most {@code events} events, looping over the split when it is exhausted ({@code loop}). */
    public ReplayConfig limit(long events, boolean loopOver) {
        return new ReplayConfig(client, topic, split, rate, labeledFraction, events, loopOver, shift, classOrder, seed, sources);
    }

    public ReplayConfig shift(DomainShift domainShift) {
        return new ReplayConfig(client, topic, split, rate, labeledFraction, limit, loop, domainShift, classOrder, seed, sources);
    }

    public ReplayConfig classOrder(ClassOrder order) {
        return new ReplayConfig(client, topic, split, rate, labeledFraction, limit, loop, shift, order, seed, sources);
    }

    public ReplayConfig seed(long streamSeed) {
        return new ReplayConfig(client, topic, split, rate, labeledFraction, limit, loop, shift, classOrder, streamSeed, sources);
    }

    public ReplayConfig sources(int sourceIds) {
        return new ReplayConfig(client, topic, split, rate, labeledFraction, limit, loop, shift, classOrder, seed, sourceIds);
    }
}
