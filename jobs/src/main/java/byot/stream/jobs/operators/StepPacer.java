package byot.stream.jobs.operators;

/**
 * Keeps the learner's training steps within a share of wall-clock time: after a step that took d, the next one may
 * start d·(1−share)/share later. Measured per step rather than planned, so a step slowed by a busy machine earns a
 * longer rest, which is when inference needs the cores most. Instants are the operator's processing time (ms), so
 * the rest ends on the same clock as the timer that ends it; durations are measured with {@link System#nanoTime()}.
 */
final class StepPacer {

    private final double share;
    private long restUntil;

    StepPacer(double share, long nowMillis) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("time share must be in (0, 1], got " + share);
        }
        this.share = share;
        this.restUntil = nowMillis;
    }

    boolean mayStep(long nowMillis) {
        return nowMillis >= restUntil;
    }

    /** When the current rest ends (now or earlier when there is none). */
    long restUntil() {
        return restUntil;
    }

    /**
     * @param endMillis     when the step ended
     * @param durationNanos how long it took
     */
    void stepped(long endMillis, long durationNanos) {
        restUntil = endMillis + (long) Math.ceil(durationNanos / 1e6 * (1 - share) / share);
    }
}
