package byot.stream.jobs.operators;

/**
 * Prequential accuracy of every exit over the last {@code window} scored events. A cumulative figure would hide
 * a drop after a domain shift for a long time; counters of scored and correct events are exported as well for
 * any other window.
 */
final class RecentAccuracy {

    private final boolean[][] ring;
    private final int[] correctInWindow;
    private int next;
    private int filled;
    // Read by the metrics reporter's thread while the operator writes.
    private volatile double[] accuracy;

    RecentAccuracy(int exits, int window) {
        if (exits < 1 || window < 1) {
            throw new IllegalArgumentException("exits and window must be positive, got " + exits + " and " + window);
        }
        ring = new boolean[exits][window];
        correctInWindow = new int[exits];
        accuracy = new double[exits];
        java.util.Arrays.fill(accuracy, Double.NaN);
    }

    /** One scored event: {@code correct[e]} says whether exit {@code e} (0-based) was right. */
    void record(boolean[] correct) {
        int window = ring[0].length;
        double[] updated = new double[ring.length];
        for (int e = 0; e < ring.length; e++) {
            boolean now = e < correct.length && correct[e];
            if (filled == window && ring[e][next]) {
                correctInWindow[e]--;
            }
            ring[e][next] = now;
            if (now) {
                correctInWindow[e]++;
            }
        }
        next = (next + 1) % window;
        filled = Math.min(filled + 1, window);
        for (int e = 0; e < ring.length; e++) {
            updated[e] = correctInWindow[e] / (double) filled;
        }
        accuracy = updated;
    }

    /** Accuracy of exit {@code exit} (0-based) over the window; NaN before any event was scored. */
    double of(int exit) {
        return accuracy[exit];
    }
}
