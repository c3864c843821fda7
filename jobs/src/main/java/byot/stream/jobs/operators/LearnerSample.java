package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * Which events reach the learner: every labelled one, and a share of the unlabelled ones for self-distillation.
 *
 * <p>It runs before the learner, chained to the source at the source's parallelism, so the events it drops never
 * cross the network to the single learner task: with 70% of the stream unlabelled, shipping them all there only to
 * drop most would make the learner's input the job's bottleneck. The choice is a hash of the event id, not a random
 * draw, so a replay after a failure and a rescaled job pick the same events.
 *
 * @param unlabelledShare fraction of unlabelled events kept, in [0, 1]; 0 keeps none
 */
public record LearnerSample(double unlabelledShare) implements FilterFunction<ImageEvent> {

    public LearnerSample {
        if (!(unlabelledShare >= 0 && unlabelledShare <= 1)) {
            throw new IllegalArgumentException("unlabelled share must be in [0, 1], got " + unlabelledShare);
        }
    }

    @Override
    public boolean filter(ImageEvent event) {
        return event.labeled() || (unlabelledShare > 0 && position(event.id()) < unlabelledShare);
    }

    /** A uniform value in [0, 1) from the id: FNV-1a over its bytes, then a 64-bit finaliser to spread close ids. */
    static double position(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53;
    }
}
