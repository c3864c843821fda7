package byot.stream.jobs.operators;

import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The OpenMP thread count of the calling thread's native ops. libnd4j's {@code setOmpNumThreads} is OpenMP's
 * {@code omp_set_num_threads}, whose count belongs to the thread that calls it: the learner's task thread runs its
 * convolutions (oneDNN, OpenMP) on fewer threads while inference threads keep {@code OMP_NUM_THREADS}.
 * ND4J's own {@code Environment.setMaxThreads}/{@code setMaxMasterThreads} would not do: they are process-wide.
 */
final class LearnerThreads {

    private LearnerThreads() {
    }

    /** @param threads 0 leaves the thread at the process default */
    static void limitCallingThread(int threads) {
        if (threads > 0) {
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        }
    }

    static int ofCallingThread() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }
}
