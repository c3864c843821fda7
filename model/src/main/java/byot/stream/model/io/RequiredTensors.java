package byot.stream.model.io;

import byot.stream.model.network.MultiExitNetwork;
import byot.stream.model.graph.Parameters;
import byot.stream.model.spec.ModelSpec;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Names and shapes of the tensors every model of a spec must carry, remembered for the last few specs by the
 * one who owns this object.
 *
 * <p>They depend on the spec alone, and working them out builds a throw-away network (about 45 ms for ResNet18
 * ×0.25), which a consumer that decodes every new version of a model (the pipeline, at every swap) would otherwise
 * pay each time. So such a consumer keeps one of these and passes it to {@link ModelFile#fromBytes(byte[],
 * RequiredTensors)}; a one-off load needs none. There is no process-wide cache: each owner's memory goes with it.
 * Bounded, least recently used first out, because specs come from files and payloads, not all of them friendly.
 * Thread-safe.
 */
public final class RequiredTensors {

    /** How many specs {@link #RequiredTensors()} remembers: a pipeline sees one, an experiment a handful. */
    public static final int DEFAULT_SPECS = 16;

    private final Function<ModelSpec, Map<Parameters.Kind, Map<String, long[]>>> workOut;
    private final Map<ModelSpec, Map<Parameters.Kind, Map<String, long[]>>> known;

    public RequiredTensors() {
        this(DEFAULT_SPECS);
    }

    /** @param specs how many specs to remember; 0 works every spec out anew */
    public RequiredTensors(int specs) {
        this(specs, RequiredTensors::workOut);
    }

    RequiredTensors(int specs, Function<ModelSpec, Map<Parameters.Kind, Map<String, long[]>>> workOut) {
        if (specs < 0) {
            throw new IllegalArgumentException("cannot remember " + specs + " specs");
        }
        this.workOut = workOut;
        this.known = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ModelSpec, Map<Parameters.Kind, Map<String, long[]>>> eldest) {
                return size() > specs;
            }
        };
    }

    /** The weights and running statistics a model of {@code spec} must carry, by kind, name and shape. */
    Map<Parameters.Kind, Map<String, long[]>> of(ModelSpec spec) {
        synchronized (known) {
            Map<Parameters.Kind, Map<String, long[]>> required = known.get(spec);
            if (required != null) {
                return required;
            }
        }
        // Worked out outside the lock: another thread's lookup of a known spec need not wait ~45 ms.
        Map<Parameters.Kind, Map<String, long[]>> required = workOut.apply(spec);
        synchronized (known) {
            known.put(spec, required);
        }
        return required;
    }

    /** Building the network asks for every tensor by name and shape; a probe collects the requests. */
    private static Map<Parameters.Kind, Map<String, long[]>> workOut(ModelSpec spec) {
        Parameters probe = new Parameters(0);
        try {
            MultiExitNetwork.inference(spec, probe).close();
            Map<Parameters.Kind, Map<String, long[]>> required = new EnumMap<>(Parameters.Kind.class);
            for (Parameters.Kind kind : List.of(Parameters.Kind.WEIGHT, Parameters.Kind.RUNNING_STAT)) {
                Map<String, long[]> shapes = new LinkedHashMap<>();
                probe.view(kind).forEach((name, array) -> shapes.put(name, array.shape()));
                // In the order the network asked for them, so a file's first missing or mis-shaped tensor is named the
                // same way on every run (Map.copyOf iterates in an order salted per JVM).
                required.put(kind, Collections.unmodifiableMap(shapes));
            }
            return required;
        } finally {
            probe.release();
        }
    }
}
