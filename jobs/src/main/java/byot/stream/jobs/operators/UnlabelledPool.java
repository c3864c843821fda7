package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Unlabelled events waiting for the learner's next step, which takes them all. Steps come with labelled events, so
 * while labels are scarce the pool could grow without end: it keeps only the newest {@code capacity}, the ones
 * closest to what the stream looks like now.
 */
final class UnlabelledPool {

    private final int capacity;
    private final ArrayDeque<ImageEvent> events;

    UnlabelledPool(int capacity, List<ImageEvent> restored) {
        this.capacity = capacity;
        this.events = new ArrayDeque<>(restored);
        while (events.size() > capacity) {
            events.removeFirst();
        }
    }

    void offer(ImageEvent event) {
        if (capacity == 0) {
            return;
        }
        if (events.size() == capacity) {
            events.removeFirst();
        }
        events.addLast(event);
    }

    /** Every waiting event, oldest first; the pool is empty afterwards. */
    List<ImageEvent> drain() {
        List<ImageEvent> out = List.copyOf(events);
        events.clear();
        return out;
    }

    List<ImageEvent> contents() {
        return List.copyOf(events);
    }
}
