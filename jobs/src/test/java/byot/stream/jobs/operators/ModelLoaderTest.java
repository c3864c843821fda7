package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class ModelLoaderTest {

    /** Runs what it is given only when the test says so: "the loading thread is still busy". */
    private static final class Held implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runOne() {
            tasks.poll().run();
        }
    }

    private static ModelSlot slot() {
        MultiExitModel model = MultiExitModel.create(EarlyExitOperatorTest.SPEC, 0);
        return new ModelSlot(model, ModelFile.toBytes(model, false), 8 << 20);
    }

    @Test
    void nothingIsReadyUntilPreparedAndThenInArrivalOrder() throws Exception {
        Held held = new Held();
        ModelSlot slot = slot();
        try (ModelLoader loader = new ModelLoader(slot::prepare, held)) {
            loader.submit(EarlyExitOperatorTest.update(1, EarlyExitOperatorTest.SPEC, 1));
            loader.submit(EarlyExitOperatorTest.update(2, EarlyExitOperatorTest.SPEC, 2));
            assertThat(loader.ready(false)).isEmpty();
            assertThat(slot.version()).as("submitting installs nothing").isZero();

            assertThat(loader.pendingPayloads()).as("what a snapshot records while they load").hasSize(2);
            held.runOne();
            List<ModelSlot.Prepared> first = loader.ready(false);
            assertThat(first).extracting(p -> p.update().modelVersion()).containsExactly(1L);
            assertThat(loader.settled()).isFalse();
            assertThat(slot.install(first.get(0))).isEmpty();
            assertThat(slot.version()).isEqualTo(1);

            held.runOne();
            assertThat(loader.pendingPayloads()).hasSize(1);
            assertThat(loader.ready(false)).extracting(p -> p.update().modelVersion()).containsExactly(2L);
            assertThat(loader.settled()).isTrue();
            assertThat(loader.pendingPayloads()).isEmpty();
        }
    }

    @Test
    void waitingForAllBlocksUntilTheLastIsPrepared() throws Exception {
        Held held = new Held();
        try (ModelLoader loader = new ModelLoader(slot()::prepare, held)) {
            loader.submit(EarlyExitOperatorTest.update(1, EarlyExitOperatorTest.SPEC, 1));
            Thread finisher = new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                held.runOne();
            });
            finisher.start();
            assertThat(loader.ready(true)).hasSize(1);
            finisher.join();
        }
    }

    @Test
    void aNewerVersionInstalledMeanwhileMakesAnOlderPreparationARefusal() throws Exception {
        ModelSlot slot = slot();
        ModelSlot.Prepared older = slot.prepare(EarlyExitOperatorTest.update(3, EarlyExitOperatorTest.SPEC, 1));
        ModelSlot.Prepared newer = slot.prepare(EarlyExitOperatorTest.update(4, EarlyExitOperatorTest.SPEC, 2));
        assertThat(slot.install(newer)).isEmpty();
        assertThat(slot.install(older)).hasValueSatisfying(reason -> assertThat(reason).contains("not newer"));
        assertThat(slot.version()).isEqualTo(4);
    }

    @Test
    void aFailureWhilePreparingIsARefusalWithItsReason() throws Exception {
        ModelSlot slot = slot();
        // Preparing throws an unchecked exception, as running out of native memory would.
        try (ModelLoader loader = new ModelLoader(update -> {
            throw new IllegalStateException("out of native memory");
        }, Runnable::run)) {
            loader.submit(EarlyExitOperatorTest.update(5, EarlyExitOperatorTest.SPEC, 1));
            ModelSlot.Prepared prepared = loader.ready(false).get(0);
            assertThat(prepared.refusal()).hasValueSatisfying(reason -> assertThat(reason).startsWith("could not load")
                    .contains("out of native memory"));
            assertThat(slot.install(prepared)).isPresent();
            assertThat(slot.version()).isZero();
        }
    }

    @Test
    void theBackgroundThreadPreparesAndStopsOnClose() throws Exception {
        ModelLoader loader = ModelLoader.background(slot(), "model-loader-test");
        loader.submit(EarlyExitOperatorTest.update(1, EarlyExitOperatorTest.SPEC, 1));
        assertThat(loader.ready(true)).singleElement().satisfies(p -> assertThat(p.refusal()).isEmpty());
        loader.close();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("model-loader-test") && t.isAlive());
    }
}
