package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Unlabelled events waiting for the learner's next step. Steps come with labelled events, so while labels are scarce
 * the pool could grow without end: it keeps only the newest {@code capacity}, the ones closest to what the stream
 * looks like now. A step takes them once the pool is full, all at once: its batch then has one of two sizes (with
 * and without them), and the training engine keeps its arrays per batch size; a step taking whatever had come
 * would see a new size almost every time, and allocating a batch's arrays afresh cost the learner a sixth of its
 * time on shared cores.
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

    /** When the pool is full, every waiting event, oldest first, and the pool is empty afterwards; else none. */
    List<ImageEvent> drain() {
        if (events.size() < capacity || capacity == 0) {
            return List.of();
        }
        return drainAll();
    }

    /** Every waiting event, oldest first, however few (the last step of a bounded input); the pool is empty afterwards. */
    List<ImageEvent> drainAll() {
        List<ImageEvent> out = List.copyOf(events);
        events.clear();
        return out;
    }

    List<ImageEvent> contents() {
        return List.copyOf(events);
    }
}
