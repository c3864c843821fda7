package byot.stream.jobs.operators;

import byot.stream.model.runtime.OpenMpThreads;
import java.io.Serializable;

/**
 * How much of a shared machine the learner may take from inference. Inference answers events as they come; the
 * learner only needs to keep up on average, so it is the one that gives way.
 *
 * @param threads   OpenMP threads of the learner's own native ops (set on its task thread only, so inference keeps
 *                  the process's {@code OMP_NUM_THREADS}); 0 leaves the learner at the process default
 * @param timeShare largest share of wall-clock time the learner spends in training steps while inference wants the
 *                  cores, in (0, 1]; after a step of d during which its thread was kept off the CPU for a fraction c,
 *                  it rests c·d·(1−share)/share, so 1 means no rest and an undisturbed step earns none
 * @param nice      Linux nice value of the thread that computes the learner's steps (its step thread, or its task
 *                  thread where steps run there), 0 to 19: with 19 the scheduler gives inference's threads the cores
 *                  whenever they want them and the learner what is left; 0 leaves it as is
 * @param ownThread steps compute on a thread of the learner's own ({@link StepRunner}), so its task thread is free
 *                  for checkpoint barriers, which inference waits for; false: on the task thread
 * @param idleThreads OpenMP threads of a step that follows one its thread ran undisturbed (the machine had cores to
 *                  spare), on its own thread only; 0: the process default. A step that was kept off the CPU sends
 *                  the next back to {@code threads}: an OpenMP region waits for its slowest thread, so a learner on
 *                  every core stalls whenever inference takes one
 */
public record LearnerBudget(int threads, double timeShare, int nice, boolean ownThread, int idleThreads)
        implements Serializable {

    /** The learner as it ran before budgets: every thread, no rest, the same priority as inference, its task thread. */
    public static final LearnerBudget UNBOUNDED = new LearnerBudget(0, 1.0, 0, false, 0);

    /** Below this share of a step's time on the CPU, the step counts as disturbed. */
    static final double UNDISTURBED = 0.1;

    /** Steps on the task thread. */
    public LearnerBudget(int threads, double timeShare, int nice) {
        this(threads, timeShare, nice, false, threads);
    }

    /** The same threads whether the machine is idle or not. */
    public LearnerBudget(int threads, double timeShare, int nice, boolean ownThread) {
        this(threads, timeShare, nice, ownThread, threads);
    }

    public LearnerBudget {
        if (threads < 0) {
            throw new IllegalArgumentException("learner threads must be >= 0 (0: the process default), got " + threads);
        }
        if (idleThreads < 0) {
            throw new IllegalArgumentException("learner idle threads must be >= 0 (0: the process default), got " + idleThreads);
        }
        if (!(timeShare > 0 && timeShare <= 1)) {
            throw new IllegalArgumentException("learner time share must be in (0, 1], got " + timeShare);
        }
        if (nice < 0 || nice > 19) {
            throw new IllegalArgumentException("learner nice must be in 0..19 (a lower priority only), got " + nice);
        }
    }

    /**
     * The OpenMP threads of the next step, after one whose thread could not run for this fraction of its time.
     *
     * @param processThreads what 0 stands for: the process default
     */
    int threadsAfter(double contention, int processThreads) {
        int n = contention < UNDISTURBED ? idleThreads : threads;
        return n == 0 ? processThreads : n;
    }

    /**
     * Limits the calling thread before its first step: OpenMP threads and nice value, on the thread that computes the
     * steps (the step thread, or the task thread where steps run there).
     *
     * @return false when the nice value was asked for but could not be set (not Linux)
     */
    boolean applyToCallingThread() {
        limitThreadsOfCallingThread();
        return nice == 0 || ThreadNice.lower(nice);
    }

    /** The OpenMP thread count only, at the calling thread's priority. */
    void limitThreadsOfCallingThread() {
        OpenMpThreads.limitCallingThread(threads);
    }
}
