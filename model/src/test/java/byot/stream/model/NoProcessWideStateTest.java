package byot.stream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The model library runs inside TaskManagers next to other jobs' code: it keeps no state in static fields
 * (no static caches, registries or counters), so two users in one JVM cannot see each other, and memory goes
 * with the objects that own it.
 */
class NoProcessWideStateTest {

    @Test
    void noClassOfTheLibraryKeepsMutableStaticState() throws Exception {
        Path classes = Path.of(MultiExitModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> offenders;
        try (Stream<Path> files = Files.walk(classes)) {
            offenders = files.filter(f -> f.toString().endsWith(".class"))
                    .map(f -> classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .filter(name -> !name.endsWith("package-info"))
                    .flatMap(NoProcessWideStateTest::mutableStatics)
                    .toList();
        }
        assertEquals(List.of(), offenders, "static fields that hold state");
    }

    private static Stream<String> mutableStatics(String className) {
        try {
            Class<?> type = Class.forName(className, false, NoProcessWideStateTest.class.getClassLoader());
            return Stream.of(type.getDeclaredFields())
                    .filter(f -> Modifier.isStatic(f.getModifiers()) && !f.isSynthetic() && holdsState(f))
                    .map(f -> className + "." + f.getName());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Not final, or a container or holder whose content can change. Enum constants and {@code $VALUES} are fine. */
    private static boolean holdsState(Field f) {
        if (f.isEnumConstant() || f.getName().equals("$VALUES")) {
            return false;
        }
        Class<?> t = f.getType();
        return !Modifier.isFinal(f.getModifiers()) || Map.class.isAssignableFrom(t) || Collection.class.isAssignableFrom(t)
                || ThreadLocal.class.isAssignableFrom(t) || t.getName().startsWith("java.util.concurrent.atomic.");
    }
}
