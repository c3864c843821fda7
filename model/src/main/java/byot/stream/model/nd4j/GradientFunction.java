package byot.stream.model.nd4j;

import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A SameDiff graph's gradient function, stored under the name {@link #NAME} the training graph looks it up by.
 *
 * <p>ND4J 1.0.0-M2.1 prints one line per differentiated op ({@value #TRACE_PREFIX}&lt;op&gt;) to
 * {@code System.out} while it does this, with no setting or log level to stop it. The library leaves standard output
 * alone: swapping {@code System.out} from inside a library is a process-wide side effect on every thread of a
 * TaskManager. An application that wants the trace gone filters it once at its start ({@code byot}'s launcher does);
 * under a Flink cluster it lands in the TaskManager's {@code .out} file, once per training graph built.
 */
public final class GradientFunction {

    /** The name under which SameDiff 1.0.0-M2.1 stores the function that createGradFunction builds. */
    public static final String NAME = "grad";
    /** What ND4J 1.0.0-M2.1 prints before each op's name; {@code Nd4jInternalsTest} checks that it still does. */
    public static final String TRACE_PREFIX = "Added differentiated op ";

    private GradientFunction() {
    }

    /** {@link SameDiff#createGradFunction()}. */
    public static void create(SameDiff sd) {
        sd.createGradFunction();
    }
}
