package byot.stream.tools.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One JVM of the cluster, as recorded in {@code cluster.json}. The start time guards against a recycled PID: a
 * process is this one only if both match, so {@code byot cluster stop} never signals a stranger.
 *
 * @param name      {@code jobmanager}, {@code taskmanager-1}, ..., {@code kafka}
 * @param startedAt the process start time the OS reports, epoch milliseconds
 * @param log       the process's log file; {@code out} has its stdout and stderr
 */
public record ClusterProcess(String name, long pid, long startedAt, String log, String out) {

    static ClusterProcess of(String name, Process process, String log, String out) {
        long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return new ClusterProcess(name, process.pid(), started, log, out);
    }

    /** The live process with this PID and start time, if any. */
    public Optional<ProcessHandle> handle() {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> startedAt == 0
                || h.info().startInstant().map(t -> Math.abs(t.toEpochMilli() - startedAt) < 1_000).orElse(false));
    }

    public boolean alive() {
        return handle().isPresent();
    }

    /**
     * SIGTERM (Flink and Kafka shut down cleanly on it), then SIGKILL after {@code grace}.
     *
     * @return false if the process had to be killed
     */
    public boolean stop(Duration grace) throws InterruptedException {
        Optional<ProcessHandle> h = handle();
        if (h.isEmpty()) {
            return true;
        }
        h.get().destroy();
        if (awaitExit(h.get(), grace)) {
            return true;
        }
        kill();
        return false;
    }

    /** SIGKILL, as a crashing machine would; returns once the process is gone. */
    public void kill() throws InterruptedException {
        Optional<ProcessHandle> h = handle();
        if (h.isPresent()) {
            h.get().destroyForcibly();
            if (!awaitExit(h.get(), Duration.ofSeconds(10))) {
                throw new IllegalStateException(name + " (pid " + pid + ") survived SIGKILL for 10 s");
            }
        }
    }

    private static boolean awaitExit(ProcessHandle h, Duration timeout) throws InterruptedException {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !h.isAlive();
        }
    }
}
