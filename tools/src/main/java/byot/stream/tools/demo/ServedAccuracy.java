package byot.stream.tools.demo;

import byot.stream.connectors.format.Prediction;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;

/**
 * The demo's early-exit answers scored against the ground truth of EVERY event, labelled or not: the demo replays a
 * data set split, so an event's id ({@code <split>-<index>-<loop>}) names the image and hence its true class, where a
 * prediction itself carries the label only for the ~30% of events sent with one. Events are placed by their position
 * in the replay ({@link ReplayPositions}), the count that {@code --shift AFTER:KIND} refers to.
 */
final class ServedAccuracy {

    /** Events per window when deciding that served accuracy has recovered after the shift. */
    static final int RECOVERY_WINDOW = 500;
    /** A window has recovered when its accuracy is at most this far below the pre-shift reference. */
    static final double RECOVERY_TOLERANCE = 0.01;
    /** The pre-shift reference: served accuracy over this many events just before the shift (4 windows: less noise). */
    static final int REFERENCE_EVENTS = 2_000;

    private final long shiftAfter;
    /** Replay positions of the answered events, ascending; each position once. */
    private final long[] positions;
    /** {@code correctBefore[i]}: right answers among {@code positions[0..i)}. */
    private final int[] correctBefore;

    private ServedAccuracy(long shiftAfter, long[] positions, int[] correctBefore) {
        this.shiftAfter = shiftAfter;
        this.positions = positions;
        this.correctBefore = correctBefore;
    }

    /**
     * @param truth      true class of the split's image at an index
     * @param positions  where each event came in the replay
     * @param shiftAfter position of the first shifted event
     * @throws IllegalArgumentException for a prediction whose id names no replayed image
     */
    static ServedAccuracy score(List<Prediction> predictions, IntUnaryOperator truth, ReplayPositions positions,
                                long shiftAfter) {
        // At-least-once delivery may answer an event twice; the first answer read counts.
        TreeMap<Long, Boolean> byPosition = new TreeMap<>();
        for (Prediction p : predictions) {
            long position = positions.of(p.id());
            if (position < 0) {
                throw new IllegalArgumentException("event id '" + p.id()
                        + "' names no image of the replay (<split>-<index>-<loop>)");
            }
            byPosition.putIfAbsent(position, p.predictedClass() == truth.applyAsInt(ReplayPositions.imageIndex(p.id())));
        }
        long[] answered = new long[byPosition.size()];
        int[] correctBefore = new int[byPosition.size() + 1];
        int i = 0;
        for (var e : byPosition.entrySet()) {
            answered[i] = e.getKey();
            correctBefore[i + 1] = correctBefore[i] + (e.getValue() ? 1 : 0);
            i++;
        }
        return new ServedAccuracy(shiftAfter, answered, correctBefore);
    }

    /** Served accuracy over the answered events at positions {@code [from, to)}; null when there are none. */
    Double accuracy(long from, long to) {
        int a = firstAtOrAfter(from);
        int b = firstAtOrAfter(to);
        return b <= a ? null : (double) (correctBefore[b] - correctBefore[a]) / (b - a);
    }

    /** Served accuracy over the first {@code events} events from the shift on. */
    Double firstAfterShift(int events) {
        return accuracy(shiftAfter, shiftAfter + events);
    }

    /** Served accuracy over the {@value #REFERENCE_EVENTS} events before the shift: the level to recover to. */
    Double beforeShift() {
        return accuracy(Math.max(0, shiftAfter - REFERENCE_EVENTS), shiftAfter);
    }

    /**
     * Events from the shift until served accuracy over a window of {@value #RECOVERY_WINDOW} consecutive events,
     * all after the shift, is back within {@value #RECOVERY_TOLERANCE} of {@link #beforeShift}: the position of the
     * first such window's last event, counted from the shift (so at least the window). Null if no window gets there.
     */
    Long eventsToRecover() {
        Double reference = beforeShift();
        if (reference == null) {
            return null;
        }
        // Integer comparison: the least number of right answers a window needs (epsilon: 0.88 - 0.01 is 0.869999...).
        long needed = (long) Math.ceil((reference - RECOVERY_TOLERANCE) * RECOVERY_WINDOW - 1e-9);
        int first = firstAtOrAfter(shiftAfter);
        for (int end = first + RECOVERY_WINDOW; end <= positions.length; end++) {
            if (correctBefore[end] - correctBefore[end - RECOVERY_WINDOW] >= needed) {
                return positions[end - 1] - shiftAfter + 1;
            }
        }
        return null;
    }

    private int firstAtOrAfter(long position) {
        int i = Arrays.binarySearch(positions, position);
        return i >= 0 ? i : -i - 1;
    }
}
