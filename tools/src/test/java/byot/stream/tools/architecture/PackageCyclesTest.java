package byot.stream.tools.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The map a newcomer reads stays true: no package of the project depends on a package that depends back on it,
 * across or inside modules. The dependencies are the JDK's {@code jdeps} reading of the compiled classes of every
 * module, as issue 16 measured them.
 */
class PackageCyclesTest {

    /** One class of each module: where it was loaded from is that module's compiled classes (a jar or a folder). */
    private static final List<Class<?>> MODULES = List.of(byot.stream.model.MultiExitModel.class,
            byot.stream.broker.EmbeddedKafkaBroker.class, byot.stream.connectors.kafka.Topics.class,
            byot.stream.jobs.adapt.AdaptJob.class, byot.stream.tools.Byot.class);

    @Test
    void noPackageCycles() throws Exception {
        Map<String, Set<String>> edges = packageDependencies();
        assertThat(edges).as("jdeps found the project's packages").containsKeys("byot.stream.jobs.adapt", "byot.stream.model.graph",
                "byot.stream.tools.cli");
        assertThat(cycles(edges)).as("package cycles").isEmpty();
    }

    @Test
    void theJobDependsOnNoTool() throws Exception {
        Map<String, Set<String>> edges = packageDependencies();
        assertThat(edges.keySet()).as("the job's packages were read").anyMatch(p -> p.startsWith("byot.stream.jobs"));
        edges.forEach((from, to) -> {
            if (from.startsWith("byot.stream.jobs") || from.startsWith("byot.stream.connectors") || from.startsWith("byot.stream.model")) {
                assertThat(to).as(from).noneMatch(p -> p.startsWith("byot.stream.tools") || p.startsWith("byot.stream.broker"));
            }
        });
    }

    @Test
    void aCycleIsFound() {
        Map<String, Set<String>> edges = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        assertThat(cycles(edges)).containsExactly(new TreeSet<>(Set.of("a", "b", "c")));
    }

    private static Map<String, Set<String>> packageDependencies() throws Exception {
        List<String> args = new ArrayList<>(List.of("-verbose:package", "-filter:none", "-e", "byot\\..*"));
        for (Class<?> c : MODULES) {
            args.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        StringWriter out = new StringWriter();
        int code = ToolProvider.findFirst("jdeps").orElseThrow().run(new PrintWriter(out), new PrintWriter(out),
                args.toArray(String[]::new));
        assertThat(code).as(out.toString()).isZero();
        Map<String, Set<String>> edges = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            // "   byot.stream.jobs.adapt   -> byot.stream.model.io   byot-model-...jar"
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 3 && parts[1].equals("->") && parts[0].startsWith("byot.") && parts[2].startsWith("byot.")
                    && !parts[0].equals(parts[2])) {
                edges.computeIfAbsent(parts[0], k -> new TreeSet<>()).add(parts[2]);
            }
        }
        return edges;
    }

    /** Strongly connected components of more than one package (Tarjan). */
    static List<Set<String>> cycles(Map<String, Set<String>> edges) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> found = new ArrayList<>();
        Set<String> nodes = new TreeSet<>(edges.keySet());
        edges.values().forEach(nodes::addAll);
        for (String n : nodes) {
            if (!index.containsKey(n)) {
                connect(n, edges, index, low, stack, onStack, found);
            }
        }
        return found;
    }

    private static void connect(String v, Map<String, Set<String>> edges, Map<String, Integer> index, Map<String, Integer> low,
                                Deque<String> stack, Set<String> onStack, List<Set<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : edges.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, edges, index, low, stack, onStack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                found.add(component);
            }
        }
    }
}
