package byot.stream.tools.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.model.nd4j.GradientFunction;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class Nd4jTraceFilterTest {

    @Test
    void dropsOnlyNd4jsPerOpTrace() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new Nd4jTraceFilter(new PrintStream(bytes, true, UTF_8));
        out.println("{\"result\":1}");
        out.println(GradientFunction.TRACE_PREFIX + "conv2d_bp");
        out.println("Added differentiated op? not quite the prefix");
        out.println((String) null);
        assertThat(bytes.toString(UTF_8).lines().toList())
                .containsExactly("{\"result\":1}", "Added differentiated op? not quite the prefix", "null");
    }
}
