package byot.stream.jobs.operators;

import java.io.Serializable;

/**
 * How much of a shared machine the learner may take from inference. Inference answers events as they come; the
 * learner only needs to keep up on average, so it is the one that gives way.
 *
 * @param threads   OpenMP threads of the learner's own native ops (set on its task thread only, so inference keeps
 *                  the process's {@code OMP_NUM_THREADS}); 0 leaves the learner at the process default
 * @param timeShare largest share of wall-clock time the learner spends in training steps, in (0, 1]; after a step
 *                  of d it rests d·(1−share)/share, so 1 means no rest
 */
public record LearnerBudget(int threads, double timeShare) implements Serializable {

    /** The learner as it ran before budgets: every thread, no rest. */
    public static final LearnerBudget UNBOUNDED = new LearnerBudget(0, 1.0);

    public LearnerBudget {
        if (threads < 0) {
            throw new IllegalArgumentException("learner threads must be >= 0 (0: the process default), got " + threads);
        }
        if (!(timeShare > 0 && timeShare <= 1)) {
            throw new IllegalArgumentException("learner time share must be in (0, 1], got " + timeShare);
        }
    }
}
