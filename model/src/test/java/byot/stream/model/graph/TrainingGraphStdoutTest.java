package byot.stream.model.graph;

import byot.stream.model.train.TrainingGraph;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import byot.stream.model.MultiExitModel;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Building a training graph is something several tasks of one TaskManager do at once; the library must never
 * replace the process's standard output (not even for a moment) and lose nobody else's output meanwhile.
 */
class TrainingGraphStdoutTest {

    private static final ModelSpec SPEC = new ModelSpec(Architecture.RESNET18, new InputShape(1, 16, 16), 4, 1.0 / 16,
            0.3f, 0.35f);

    @Test
    void concurrentBuildsNeverReplaceStdoutAndLoseNoOtherThreadsLines() throws Exception {
        PrintStream real = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(bytes, true, UTF_8);
        System.setOut(capture);
        ExecutorService builders = Executors.newFixedThreadPool(3);
        try {
            AtomicBoolean building = new AtomicBoolean(true);
            int[] printed = new int[1];
            AtomicBoolean replaced = new AtomicBoolean();
            Thread chatter = new Thread(() -> {
                while (building.get()) {
                    replaced.compareAndSet(false, System.out != capture);
                    System.out.println("chatter " + printed[0]++);
                    LockSupport.parkNanos(200_000);
                }
            });
            chatter.start();
            List<Future<?>> builds = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int seed = i;
                builds.add(builders.submit(() -> new TrainingGraph(SPEC, MultiExitModel.create(SPEC, seed).parameters(),
                        DistillationConfig.defaults(TrainingMode.BYOT))));
            }
            for (Future<?> build : builds) {
                build.get();
            }
            building.set(false);
            chatter.join();

            assertSame(capture, System.out, "System.out after six training graphs built on three threads");
            assertFalse(replaced.get(), "System.out was replaced while training graphs were built");
            List<String> chatterLines = bytes.toString(UTF_8).lines().filter(l -> l.startsWith("chatter ")).toList();
            assertEquals(IntStream.range(0, printed[0]).mapToObj(i -> "chatter " + i).toList(), chatterLines,
                    "another thread's lines while graphs were built");
        } finally {
            builders.shutdownNow();
            System.setOut(real);
        }
    }
}
