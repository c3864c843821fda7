package byot.stream.model.nd4j;

import org.nd4j.autodiff.samediff.SameDiff;

/** A SameDiff graph's gradient function, created without ND4J's per-op trace reaching standard output. */
public final class GradientFunction {

    /** The name under which SameDiff 1.0.0-M2.1 stores the function that createGradFunction builds. */
    public static final String NAME = "grad";

    private GradientFunction() {
    }

    /**
     * {@link SameDiff#createGradFunction()}, with the line ND4J 1.0.0-M2.1 prints for every differentiated op
     * dropped ({@link Nd4jTraceFilter}); other threads' output and other lines pass through.
     */
    public static void create(SameDiff sd) {
        try (Nd4jTraceFilter.Scope quiet = Nd4jTraceFilter.open()) {
            sd.createGradFunction();
        }
    }
}
