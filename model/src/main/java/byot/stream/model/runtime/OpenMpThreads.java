package byot.stream.model.runtime;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The OpenMP thread count of the calling thread's native ops. libnd4j's {@code setOmpNumThreads} is OpenMP's
 * {@code omp_set_num_threads}, whose count belongs to the thread that calls it: the learner's task thread runs its
 * convolutions (oneDNN, OpenMP) on fewer threads while inference threads keep {@code OMP_NUM_THREADS}, and inference
 * runs a small batch on one thread. ND4J's own {@code Environment.setMaxThreads}/{@code setMaxMasterThreads} would
 * not do: they are process-wide.
 */
public final class OpenMpThreads {

    private OpenMpThreads() {
    }

    /** NativeOpsHolder reads what loading ND4J's backend sets up, and fails if it comes first. */
    private static org.nd4j.nativeblas.NativeOps nativeOps() {
        Nd4j.getBackend();
        return NativeOpsHolder.getInstance().getDeviceNativeOps();
    }

    /** @param threads 0 leaves the thread at the process default */
    public static void limitCallingThread(int threads) {
        if (threads > 0) {
            nativeOps().setOmpNumThreads(threads);
        }
    }

    /** Sets the calling thread's count, whatever it was (at least 1). */
    public static void setCallingThread(int threads) {
        nativeOps().setOmpNumThreads(Math.max(1, threads));
    }

    public static int ofCallingThread() {
        return nativeOps().ompGetMaxThreads();
    }
}
