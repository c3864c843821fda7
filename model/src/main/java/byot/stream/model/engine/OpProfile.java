package byot.stream.model.engine;

import java.util.Map;
import java.util.TreeMap;

/** Wall time per op kind and direction, summed over the passes it was handed to (for benchmarks). */
public final class OpProfile {

    private final Map<String, long[]> nanos = new TreeMap<>();

    void add(String kind, long elapsed) {
        long[] entry = nanos.computeIfAbsent(kind, k -> new long[2]);
        entry[0] += elapsed;
        entry[1]++;
    }

    /** Op kind to {total nanoseconds, calls}. */
    public Map<String, long[]> totals() {
        return nanos;
    }

    public void reset() {
        nanos.clear();
    }
}
