package byot.stream.model.graph;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Silences {@code System.out} for a block. SameDiff 1.0.0-M2.1 prints hundreds of lines while it creates
 * a gradient function; they would bury a command's own output (and its final JSON line).
 */
final class QuietStdout implements AutoCloseable {
    private final PrintStream original = System.out;

    QuietStdout() {
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    }

    @Override
    public void close() {
        System.setOut(original);
    }
}
