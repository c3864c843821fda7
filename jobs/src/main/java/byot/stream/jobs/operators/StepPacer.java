package byot.stream.jobs.operators;

/**
 * Keeps the learner's training steps within a share of wall-clock time while something else wants the cores: after
 * a step that took d, of which the learner's thread was kept off the CPU for a fraction c (its contention: inference,
 * at a higher priority, took the cores), the next one may start c·d·(1−share)/share later. Measured per step rather
 * than planned, so a step slowed by a busy machine earns a longer rest, which is when inference needs the cores most,
 * and a step that ran undisturbed earns none: on an idle machine the learner trains flat out. Instants are the
 * operator's processing time (ms), so the rest ends on the same clock as the timer that ends it; durations are
 * measured with {@link System#nanoTime()}.
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
     * @param contention    the fraction of that time the learner's thread could not run, in [0, 1]
     */
    void stepped(long endMillis, long durationNanos, double contention) {
        double c = Double.isNaN(contention) ? 1 : Math.min(1, Math.max(0, contention));
        restUntil = endMillis + (long) Math.ceil(c * durationNanos / 1e6 * (1 - share) / share);
    }
}
