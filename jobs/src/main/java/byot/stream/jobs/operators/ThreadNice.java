package byot.stream.jobs.operators;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Locale;

/**
 * The Linux scheduling priority (nice value) of the calling thread. On Linux nice is per thread, and threads created
 * afterwards (OpenMP's workers) inherit it, so the learner's task thread can yield every core to inference and still
 * use whatever the cores leave idle: at nice 19 a busy thread weighs 15 against a normal one's 1024. Raising a nice
 * value needs no privilege. Elsewhere (another OS, an architecture whose {@code gettid} number is not known here)
 * nothing changes and {@link #lower} says so.
 */
final class ThreadNice {

    /** The C library's calls, bound by name through JNA. */
    private interface LibC extends Library {
        int syscall(int number);

        int setpriority(int which, int who, int prio);

        int getpriority(int which, int who);
    }

    private static final int PRIO_PROCESS = 0;

    private ThreadNice() {
    }

    /**
     * Sets the calling thread's nice value.
     *
     * @return false where it could not be set (not Linux, an unknown architecture, JNA's native library unusable
     *         here, e.g. a noexec temporary directory, or the call failed); never throws, since callers go on at
     *         normal priority
     */
    static boolean lower(int nice) {
        try {
            int tid = threadId();
            return tid > 0 && libc().setpriority(PRIO_PROCESS, tid, nice) == 0;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /** The calling thread's nice value, or empty where it cannot be read. */
    static java.util.OptionalInt ofCallingThread() {
        int tid = threadId();
        return tid > 0 ? java.util.OptionalInt.of(libc().getpriority(PRIO_PROCESS, tid)) : java.util.OptionalInt.empty();
    }

    private static int threadId() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return -1;
        }
        int gettid = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> 186;
            case "aarch64" -> 178;
            default -> -1;
        };
        return gettid < 0 ? -1 : libc().syscall(gettid);
    }

    private static LibC libc() {
        return Native.loadLibrary("c", LibC.class);
    }
}
