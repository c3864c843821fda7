package byot.stream.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import byot.stream.model.graph.Parameters;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequiredTensorsTest {

    private final List<ModelSpec> workedOut = new ArrayList<>();

    private RequiredTensors remembering(int specs) {
        return new RequiredTensors(specs, spec -> {
            workedOut.add(spec);
            return Map.of(Parameters.Kind.WEIGHT, Map.of("w", new long[] {1}));
        });
    }

    private static ModelSpec spec(double width) {
        return ModelSpec.fashionMnist(Architecture.RESNET18, width);
    }

    @Test
    void eachSpecIsWorkedOutOnceWhileRemembered() {
        RequiredTensors known = remembering(2);
        known.of(spec(0.25));
        known.of(spec(0.25));
        known.of(spec(0.5));
        known.of(spec(0.25));
        assertEquals(List.of(spec(0.25), spec(0.5)), workedOut);
    }

    @Test
    void theLeastRecentlyUsedSpecMakesRoom() {
        RequiredTensors known = remembering(2);
        known.of(spec(0.25));
        known.of(spec(0.5));
        known.of(spec(0.25));   // now 0.5 is the least recently used
        known.of(spec(0.125));  // pushes 0.5 out
        known.of(spec(0.25));
        known.of(spec(0.5));
        assertEquals(List.of(spec(0.25), spec(0.5), spec(0.125), spec(0.5)), workedOut);
    }

    @Test
    void nothingIsSharedBetweenOwnersOrRememberedAtZero() {
        remembering(2).of(spec(0.25));
        remembering(2).of(spec(0.25));
        RequiredTensors none = remembering(0);
        none.of(spec(0.25));
        none.of(spec(0.25));
        assertEquals(4, workedOut.size());
        assertThrows(IllegalArgumentException.class, () -> new RequiredTensors(-1));
    }
}
