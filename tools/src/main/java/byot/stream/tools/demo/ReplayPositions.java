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
        String[] parts = eventId.split("-");
        if (parts.length < 3) {
            return -1;
        }
        try {
            long index = Long.parseLong(parts[parts.length - 2]);
            long loop = Long.parseLong(parts[parts.length - 1]);
            if (index < 0 || index >= rank.length || rank[(int) index] < 0 || loop < 0) {
                return -1;
            }
            return loop * passLength + rank[(int) index];
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Index into the split of the image an event id names (for its ground truth); -1 when there is none. */
    static int imageIndex(String eventId) {
        String[] parts = eventId.split("-");
        try {
            return parts.length >= 3 ? Math.toIntExact(Long.parseLong(parts[parts.length - 2])) : -1;
        } catch (NumberFormatException | ArithmeticException e) {
            return -1;
        }
    }
}
