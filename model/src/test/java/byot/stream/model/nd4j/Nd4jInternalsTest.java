package byot.stream.model.nd4j;

import byot.stream.model.train.TrainingGraph;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.graph.InferenceGraph;
import byot.stream.model.network.MultiExitNetwork;
import byot.stream.model.graph.Names;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.BaseNDArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The guard of {@link byot.stream.model.nd4j}: what that package relies on in ND4J, checked by name and by
 * behaviour. If this fails after an ND4J upgrade, the message says which assumption broke; fix the class it names
 * (or drop the workaround, where ND4J no longer needs it) before anything else.
 */
class Nd4jInternalsTest {

    /** The ND4J release byot.stream.model.nd4j was written and checked against. */
    private static final String CHECKED_VERSION = "1.0.0-M2.1";

    @Test
    void nd4jIsTheReleaseThisPackageWasCheckedAgainst() throws Exception {
        URL jar = SameDiff.class.getProtectionDomain().getCodeSource().getLocation();
        Properties pom = new Properties();
        try (InputStream in = new URL("jar:" + jar + "!/META-INF/maven/org.nd4j/nd4j-api/pom.properties").openStream()) {
            pom.load(in);
        }
        assertEquals(CHECKED_VERSION, pom.getProperty("version"), "nd4j-api is now " + pom.getProperty("version")
                + ", but byot.stream.model.nd4j was checked against " + CHECKED_VERSION + ": make every other test of "
                + "Nd4jInternalsTest pass, re-read PooledSession, SessionArrayPool, StageProgram and the launcher's Nd4jTraceFilter "
                + "against the new sources, then update CHECKED_VERSION");
    }

    @Test
    void theNonPublicApiThePackageBuildsOnIsThere() {
        List<String> broken = new ArrayList<>();
        requireOverridable(broken, "PooledSession", InferenceSession.class, "output", List.class, Map.class, Map.class,
                MultiDataSet.class, Collection.class, List.class, At.class);
        requireMethod(broken, "PooledSession", InferenceSession.class, "setMmgr", SessionMemMgr.class);
        requireField(broken, "PooledSession", InferenceSession.class, "freedArrays", Set.class);
        requireMethod(broken, "PooledSession", SameDiff.class, "getSessions");
        requireOverridable(broken, "SessionArrayPool", AbstractMemoryMgr.class, "allocate", boolean.class,
                DataType.class, long[].class);
        requireOverridable(broken, "SessionArrayPool", AbstractMemoryMgr.class, "allocate", boolean.class,
                LongShapeDescriptor.class);
        requireOverridable(broken, "SessionArrayPool", AbstractMemoryMgr.class, "release", INDArray.class);
        requireMethod(broken, "SessionArrayPool", BaseNDArray.class, "assignNewId");
        requireMethod(broken, "GradientFunction", SameDiff.class, "getFunction", String.class);
        requireMethod(broken, "TrainingGraph", SameDiff.class, "setEnableCache", boolean.class);
        assertTrue(broken.isEmpty(), "ND4J changed what byot.stream.model.nd4j relies on:\n  "
                + String.join("\n  ", broken));
    }

    /**
     * The session SameDiff runs is the one installed, its released arrays reach our pool, and the list of freed
     * ids that ND4J 1.0.0-M2.1 never trims is emptied after each call.
     */
    @Test
    void sameDiffRunsThePooledSessionAndReleasesIntoItsPool() {
        SameDiff sd = smallGraphWithLoss();
        GradientFunction.create(sd);
        SameDiff grad = sd.getFunction(GradientFunction.NAME);
        assertNotNull(grad, "SameDiff.createGradFunction no longer stores the gradient function as \""
                + GradientFunction.NAME + "\" (GradientFunction.NAME, used by TrainingGraph)");
        grad.setEnableCache(true);
        PooledSession.installForCurrentThread(grad);
        Object installed = grad.getSessions().get(Thread.currentThread().getId());
        assertTrue(installed instanceof PooledSession, "SameDiff.getSessions() is no longer the per-thread session "
                + "map SameDiff runs (PooledSession.installForCurrentThread)");
        Map<String, INDArray> feed = Map.of("x", Nd4j.rand(DataType.FLOAT, 4, 3));
        String gradient = sd.getVariable("w").getGradient().name();
        for (int call = 0; call < 2; call++) {
            grad.output(feed, gradient, "loss");
        }
        assertSame(installed, grad.getSessions().get(Thread.currentThread().getId()),
                "SameDiff replaced the installed PooledSession with a session of its own");
        PooledSession session = (PooledSession) installed;
        assertTrue(session.pool().held() > 0, "the session released no array into SessionArrayPool: "
                + "InferenceSession.setMmgr or the session's release path changed");
        assertEquals(0, session.freedArraysRemembered(), "InferenceSession.freedArrays is no longer what "
                + "PooledSession.output clears after a call");
    }

    /** The trace the byot launcher filters, and its exact prefix; if it is gone, so can the filter be. */
    @Test
    void createGradFunctionPrintsThePerOpLineTheFilterDrops() {
        PrintStream real = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, UTF_8));
        try {
            smallGraphWithLoss().createGradFunction();
        } finally {
            System.setOut(real);
        }
        assertTrue(bytes.toString(UTF_8).lines().anyMatch(l -> l.startsWith(GradientFunction.TRACE_PREFIX)),
                "SameDiff.createGradFunction no longer prints \"" + GradientFunction.TRACE_PREFIX + "<op>\": the launcher's Nd4jTraceFilter "
                        + "and GradientFunction's use of it can go; it printed: " + bytes.toString(UTF_8));
    }

    /** StageProgram reads SameDiff's op objects; run op by op, a real stage must give SameDiff's own results. */
    @Test
    void stageProgramRunsAStageAsSameDiffDoes() {
        ModelSpec spec = new ModelSpec(Architecture.RESNET18, new InputShape(1, 16, 16), 4, 1.0 / 16, 0.3f, 0.35f);
        try (InferenceGraph graph = MultiExitNetwork.inference(spec, MultiExitModel.create(spec, 1).parameters())) {
            for (int s = 0; s < graph.stages(); s++) {
                SameDiff sd = graph.sameDiff(s);
                StageProgram program = new StageProgram(sd, Names.sectionInput(s));
                long[] shape = sd.getVariable(Names.sectionInput(s)).placeholderShape().clone();
                shape[0] = 3;
                INDArray x = Nd4j.rand(DataType.FLOAT, shape).muli(s == 0 ? 255 : 2);
                INDArray expected = sd.output(Map.of(Names.sectionInput(s), x), Names.logits(s)).get(Names.logits(s));
                INDArray actual = program.run(x, List.of(Names.logits(s)))[0];
                assertEquals(0.0, expected.sub(actual).amaxNumber().doubleValue(), 1e-6,
                        "StageProgram differs from SameDiff on stage " + s + ": an op's arguments or semantics changed");
            }
        }
    }

    private static SameDiff smallGraphWithLoss() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3);
        SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 3, 2));
        SDVariable loss = sd.math().tanh(x.mmul(w)).sum("loss");
        sd.setLossVariables(loss);
        return sd;
    }

    private static void requireOverridable(List<String> broken, String user, Class<?> type, String name,
                                           Class<?>... parameters) {
        Method m = find(broken, user, type, name, parameters);
        if (m != null && (Modifier.isFinal(m.getModifiers()) || Modifier.isPrivate(m.getModifiers()))) {
            broken.add(signature(type, name, parameters) + " is no longer overridable (" + user + " overrides it)");
        }
    }

    private static void requireMethod(List<String> broken, String user, Class<?> type, String name,
                                      Class<?>... parameters) {
        find(broken, user, type, name, parameters);
    }

    private static Method find(List<String> broken, String user, Class<?> type, String name, Class<?>... parameters) {
        try {
            return type.getMethod(name, parameters); // public, declared here, in a superclass or an interface
        } catch (NoSuchMethodException e) {
            // perhaps protected
        }
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                return c.getDeclaredMethod(name, parameters);
            } catch (NoSuchMethodException e) {
                // look further up
            }
        }
        broken.add(signature(type, name, parameters) + " is gone (" + user + " uses it)");
        return null;
    }

    private static void requireField(List<String> broken, String user, Class<?> type, String name, Class<?> fieldType) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                if (!fieldType.isAssignableFrom(f.getType()) || Modifier.isPrivate(f.getModifiers())) {
                    broken.add(type.getName() + "." + name + " is now " + f + " (" + user + " needs a visible "
                            + fieldType.getSimpleName() + ")");
                }
                return;
            } catch (NoSuchFieldException e) {
                // look further up
            }
        }
        broken.add(type.getName() + "." + name + " is gone (" + user + " uses it)");
    }

    private static String signature(Class<?> type, String name, Class<?>... parameters) {
        List<String> names = new ArrayList<>();
        for (Class<?> p : parameters) {
            names.add(p.getSimpleName());
        }
        return type.getName() + "." + name + "(" + String.join(", ", names) + ")";
    }
}
