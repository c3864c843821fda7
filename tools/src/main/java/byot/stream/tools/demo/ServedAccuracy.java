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
 * in the replay ({@code loop * splitSize + index}, file order: the demo uses no class order), the count that
 * {@code --shift AFTER:KIND} refers to.
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
     * @param splitSize  images in the replayed split: positions of later loops continue after it
     * @param shiftAfter position of the first shifted event
     */
    static ServedAccuracy score(List<Prediction> predictions, IntUnaryOperator truth, int splitSize, long shiftAfter) {
        // At-least-once delivery may answer an event twice; the first answer read counts.
        TreeMap<Long, Boolean> byPosition = new TreeMap<>();
        for (Prediction p : predictions) {
            long[] place = place(p.id());
            byPosition.putIfAbsent(place[1] * splitSize + place[0], p.predictedClass() == truth.applyAsInt((int) place[0]));
        }
        long[] positions = new long[byPosition.size()];
        int[] correctBefore = new int[byPosition.size() + 1];
        int i = 0;
        for (var e : byPosition.entrySet()) {
            positions[i] = e.getKey();
            correctBefore[i + 1] = correctBefore[i] + (e.getValue() ? 1 : 0);
            i++;
        }
        return new ServedAccuracy(shiftAfter, positions, correctBefore);
    }

    /** Position in the replay of the event with this id. */
    static long position(String id, int splitSize) {
        long[] place = place(id);
        return place[1] * splitSize + place[0];
    }

    /** {index, loop} of an event id {@code <split>-<index>-<loop>}. */
    private static long[] place(String id) {
        String[] parts = id.split("-");
        if (parts.length < 3) {
            throw new IllegalArgumentException("event id '" + id + "' is not <split>-<index>-<loop>");
        }
        try {
            return new long[] {Long.parseLong(parts[parts.length - 2]), Long.parseLong(parts[parts.length - 1])};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("event id '" + id + "' is not <split>-<index>-<loop>", e);
        }
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
