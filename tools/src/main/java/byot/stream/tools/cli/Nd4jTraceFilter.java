package byot.stream.tools.cli;

import byot.stream.model.nd4j.GradientFunction;
import java.io.PrintStream;

/**
 * Standard output of the {@code byot} process without ND4J's per-op trace: SameDiff prints one line per op it
 * differentiates ({@link GradientFunction#TRACE_PREFIX}), hundreds per training graph, which would bury a command's
 * final JSON line. Installed once by the launcher's {@code main}, the application's own decision; the model library
 * leaves {@code System.out} alone. Every other line, from every thread, passes through.
 */
public final class Nd4jTraceFilter extends PrintStream {

    public Nd4jTraceFilter(PrintStream out) {
        super(out, true);
    }

    @Override
    public void println(String line) {
        if (line != null && line.startsWith(GradientFunction.TRACE_PREFIX)) {
            return;
        }
        super.println(line);
    }
}
