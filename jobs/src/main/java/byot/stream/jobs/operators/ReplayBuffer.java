package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A reservoir sample of the labelled stream (Vitter's algorithm R): every event seen so far has the same
 * chance to be in it, so old classes and old domains keep being rehearsed after a shift, and the state stays
 * bounded by the capacity.
 */
final class ReplayBuffer {
    private final int capacity;
    private final List<ImageEvent> items;
    private final long seed;
    private long seen;

    ReplayBuffer(int capacity, List<ImageEvent> restored, long seen, long seed) {
        this.capacity = capacity;
        this.items = new ArrayList<>(restored);
        this.seen = seen;
        this.seed = seed;
    }

    /**
     * Randomness derived from the seed and the position in the stream alone, so a buffer restored from a
     * checkpoint makes exactly the choices the original would have made.
     */
    private SplittableRandom random(long salt) {
        return new SplittableRandom(seed ^ (seen * 0x9E3779B97F4A7C15L) ^ salt);
    }

    void add(ImageEvent event) {
        seen++;
        if (capacity == 0) {
            return;
        }
        if (items.size() < capacity) {
            items.add(event);
        } else {
            long j = random(1).nextLong(seen);
            if (j < capacity) {
                items.set((int) j, event);
            }
        }
    }

    /** Up to {@code k} distinct stored events, uniformly at random. */
    List<ImageEvent> sample(int k) {
        return sample(k, 2);
    }

    /** As above; a different {@code salt} draws another sample at the same point of the stream (salts 0 and 1 are taken). */
    List<ImageEvent> sample(int k, long salt) {
        int n = Math.min(k, items.size());
        SplittableRandom random = random(salt);
        List<ImageEvent> pool = new ArrayList<>(items);
        List<ImageEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(pool.size() - i);
            ImageEvent t = pool.get(j);
            pool.set(j, pool.get(i));
            pool.set(i, t);
            out.add(t);
        }
        return out;
    }

    List<ImageEvent> contents() {
        return List.copyOf(items);
    }

    long seen() {
        return seen;
    }

    int size() {
        return items.size();
    }
}
