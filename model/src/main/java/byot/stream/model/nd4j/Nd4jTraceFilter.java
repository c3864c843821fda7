package byot.stream.model.nd4j;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the line ND4J 1.0.0-M2.1 prints for every op it differentiates ({@value #PREFIX}&lt;op&gt;) off the
 * process's standard output, and nothing else.
 *
 * <p>Why a stream at all: the line comes from a plain {@code System.out.println} inside a private lambda of
 * {@code SameDiff.createGradFunction}, the only way to differentiate a graph. No ND4J setting or log level turns it
 * off, and the graph cannot be differentiated without that method. Left alone it prints hundreds of lines per
 * training graph into a command's output (burying its final JSON line) and into every TaskManager's log.
 *
 * <p>How it stays contained: while at least one thread is inside a {@link Scope}, {@code System.out} is one of
 * these around the stream that was there before. It drops only {@code println(String)} calls that start with
 * ND4J's prefix <em>and</em> come from a thread inside a scope; every other thread and every other line passes
 * through unchanged. Scopes on several threads share one filter; the last one to close puts the previous stream
 * back, unless someone else replaced {@code System.out} meanwhile (theirs then stays, and this filter inside it
 * passes everything through). The state lives in the installed filter, none in static fields. The replacement
 * it replaces, {@code QuietStdout}, swapped in a null stream per call: concurrent builds in one TaskManager could
 * restore each other's null stream for good, and every other thread's output was lost while a graph was built.
 */
final class Nd4jTraceFilter extends PrintStream {

    /** What ND4J 1.0.0-M2.1 prints before the op's name; {@code Nd4jInternalsTest} checks that it still does. */
    static final String PREFIX = "Added differentiated op ";

    private final PrintStream original;
    /** Threads inside a scope, with how deeply they are nested. */
    private final Map<Thread, Integer> quiet = new ConcurrentHashMap<>();

    private Nd4jTraceFilter(PrintStream original) {
        super(original, true);
        this.original = original;
    }

    /** Drops ND4J's per-op line on the calling thread until the scope is closed (on the same thread). */
    static Scope open() {
        synchronized (Nd4jTraceFilter.class) {
            Nd4jTraceFilter filter;
            if (System.out instanceof Nd4jTraceFilter installed) {
                filter = installed;
            } else {
                filter = new Nd4jTraceFilter(System.out);
                System.setOut(filter);
            }
            Thread thread = Thread.currentThread();
            filter.quiet.merge(thread, 1, Integer::sum);
            return new Scope(filter, thread);
        }
    }

    @Override
    public void println(String line) {
        if (line != null && line.startsWith(PREFIX) && quiet.containsKey(Thread.currentThread())) {
            return;
        }
        super.println(line);
    }

    /** One thread's stretch of silence; closing the last one restores the previous {@code System.out}. */
    static final class Scope implements AutoCloseable {
        private final Nd4jTraceFilter filter;
        private final Thread thread;
        private boolean closed;

        private Scope(Nd4jTraceFilter filter, Thread thread) {
            this.filter = filter;
            this.thread = thread;
        }

        @Override
        public void close() {
            synchronized (Nd4jTraceFilter.class) {
                if (closed) {
                    return;
                }
                closed = true;
                filter.quiet.computeIfPresent(thread, (t, depth) -> depth > 1 ? depth - 1 : null);
                if (filter.quiet.isEmpty() && System.out == filter) {
                    filter.flush();
                    System.setOut(filter.original);
                }
            }
        }
    }
}
