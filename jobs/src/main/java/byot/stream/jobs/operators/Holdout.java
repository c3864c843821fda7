package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The publish gate's held-out slice: every {@code every}-th labelled event is kept here instead of being trained
 * on, and the newest {@code capacity} of them are what candidate versions are scored on. The count is the learner's
 * state, so a restore keeps choosing the same events.
 */
final class Holdout {

    private final int every;
    private final int capacity;
    private final ArrayDeque<ImageEvent> events;
    private long labelled;

    Holdout(int every, int capacity, List<ImageEvent> restored, long labelled) {
        this.every = every;
        this.capacity = capacity;
        this.events = new ArrayDeque<>(restored);
        this.labelled = labelled;
    }

    /** Counts a labelled event; true when it goes to the holdout (and so must not be trained on). */
    boolean take(ImageEvent event) {
        labelled++;
        if (every <= 0 || labelled % every != 0) {
            return false;
        }
        if (events.size() == capacity) {
            events.removeFirst();
        }
        events.addLast(event);
        return true;
    }

    /**
     * Drops every held-out event, as after a drift alarm: they show a world that has gone, and a candidate adapting to
     * the new one would be refused for being worse on the old. The gate publishes unjudged until enough new events
     * are held out ({@link PublishGate#MIN_HOLDOUT}).
     */
    void forget() {
        events.clear();
    }

    List<ImageEvent> events() {
        return List.copyOf(events);
    }

    long labelled() {
        return labelled;
    }

    int size() {
        return events.size();
    }
}
