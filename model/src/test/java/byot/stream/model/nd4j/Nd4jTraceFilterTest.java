package byot.stream.model.nd4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Nd4jTraceFilterTest {

    private final PrintStream real = System.out;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream capture = new PrintStream(bytes, true, UTF_8);

    @BeforeEach
    void captureStdout() {
        System.setOut(capture);
    }

    @AfterEach
    void restoreStdout() {
        System.setOut(real);
    }

    @Test
    void dropsOnlyNd4jsLineAndOnlyOnTheThreadInsideTheScope() throws Exception {
        try (Nd4jTraceFilter.Scope scope = Nd4jTraceFilter.open()) {
            System.out.println(Nd4jTraceFilter.PREFIX + "a");
            System.out.println("own line");
            Thread other = new Thread(() -> System.out.println(Nd4jTraceFilter.PREFIX + "b"));
            other.start();
            other.join();
            try (Nd4jTraceFilter.Scope nested = Nd4jTraceFilter.open()) {
                System.out.println(Nd4jTraceFilter.PREFIX + "c");
            }
            System.out.println(Nd4jTraceFilter.PREFIX + "d"); // still inside the outer scope
        }
        assertSame(capture, System.out, "the stream that was there before is back");
        System.out.println(Nd4jTraceFilter.PREFIX + "e");
        assertEquals(List.of("own line", Nd4jTraceFilter.PREFIX + "b", Nd4jTraceFilter.PREFIX + "e"),
                bytes.toString(UTF_8).lines().toList());
    }

    @Test
    void aStreamSomeoneElseInstalledMeanwhileStays() {
        PrintStream theirs = new PrintStream(new ByteArrayOutputStream(), true, UTF_8);
        Nd4jTraceFilter.Scope scope = Nd4jTraceFilter.open();
        System.setOut(theirs);
        scope.close();
        assertSame(theirs, System.out);
    }

    @Test
    void scopesOnSeveralThreadsShareOneFilterAndTheLastRestores() throws Exception {
        Nd4jTraceFilter.Scope first = Nd4jTraceFilter.open();
        PrintStream installed = System.out;
        Nd4jTraceFilter.Scope[] second = new Nd4jTraceFilter.Scope[1];
        Thread other = new Thread(() -> second[0] = Nd4jTraceFilter.open());
        other.start();
        other.join();
        assertSame(installed, System.out, "a second scope reuses the installed filter");
        first.close();
        assertSame(installed, System.out, "another thread is still inside its scope");
        second[0].close();
        assertSame(capture, System.out);
    }
}
