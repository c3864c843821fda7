package byot.stream.tools.demo;

import java.util.Arrays;

/**
 * Where each event of the demo's replay came in the stream, from its id {@code <split>-<index>-<loop>}: the position
 * {@code --shift AFTER:KIND} counts, the x axis of the plots and of every "events after the shift" figure. In file
 * order an image's position is its index; in a class-incremental order ({@code --class-order}) it is its rank in that
 * order, and images of classes left out have none.
 */
final class ReplayPositions {

    /** {@code rank[index]}: place of the split's image in one pass of the replay; -1 when the replay skips it. */
    private final int[] rank;
    /** Events in one pass: positions of later loops continue after it. */
    private final int passLength;

    private ReplayPositions(int[] rank, int passLength) {
        this.rank = rank;
        this.passLength = passLength;
    }

    /** The split replayed in file order. */
    static ReplayPositions fileOrder(int splitSize) {
        int[] rank = new int[splitSize];
        Arrays.setAll(rank, i -> i);
        return new ReplayPositions(rank, splitSize);
    }

    /**
     * @param order     split indices in the order one pass replays them (as {@code ClassOrder.order} gives them)
     * @param splitSize images in the split
     */
    static ReplayPositions of(int[] order, int splitSize) {
        int[] rank = new int[splitSize];
        Arrays.fill(rank, -1);
        for (int i = 0; i < order.length; i++) {
            rank[order[i]] = i;
        }
        return new ReplayPositions(rank, order.length);
    }

    /** Position of the event with this id; -1 for an id that names no replayed image. */
    long of(String eventId) {
        long[] place = place(eventId);
        if (place == null || place[0] >= rank.length || rank[(int) place[0]] < 0) {
            return -1;
        }
        return place[1] * passLength + rank[(int) place[0]];
    }

    /** Index into the split of the image an event id names (for its ground truth); -1 when there is none. */
    static int imageIndex(String eventId) {
        long[] place = place(eventId);
        return place == null || place[0] > Integer.MAX_VALUE ? -1 : (int) place[0];
    }

    /** {index, loop} of an id {@code <split>-<index>-<loop>}, both at least 0; null for any other id. */
    private static long[] place(String eventId) {
        String[] parts = eventId.split("-");
        if (parts.length < 3) {
            return null;
        }
        try {
            long index = Long.parseLong(parts[parts.length - 2]);
            long loop = Long.parseLong(parts[parts.length - 1]);
            return index < 0 || loop < 0 ? null : new long[] {index, loop};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
