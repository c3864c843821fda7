package byot.stream.jobs.operators;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.format.ModelUpdate;
import byot.stream.model.MultiExitModel;
import byot.stream.model.io.ModelFile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** The preparer with an executor the test runs by hand: results in arrival order, in-flight updates remembered. */
class ModelPreparerTest {

    /** Holds submitted tasks until the test runs them. */
    private static final class ByHand implements Executor {
        final List<Runnable> tasks = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }
    }

    @Test
    void handsBackResultsInArrivalOrderAndRemembersWhatIsInFlight() {
        MultiExitModel initial = MultiExitModel.create(EarlyExitOperatorTest.SPEC, 0);
        ModelSlot slot = new ModelSlot(initial, ModelFile.toBytes(initial, false), 8 << 20);
        ByHand executor = new ByHand();
        try (ModelPreparer preparer = new ModelPreparer(slot, executor, 2)) {
            ModelUpdate first = EarlyExitOperatorTest.update(1, EarlyExitOperatorTest.SPEC, 1);
            ModelUpdate second = EarlyExitOperatorTest.update(2, EarlyExitOperatorTest.SPEC, 2);
            ModelUpdate stale = EarlyExitOperatorTest.update(1, EarlyExitOperatorTest.SPEC, 3);
            preparer.submit(first);
            preparer.submit(second);
            preparer.submit(stale);
            assertThat(preparer.completed()).isEmpty();
            assertThat(preparer.inFlight()).containsExactly(first, second, stale);

            executor.tasks.get(0).run();
            List<ModelSlot.Prepared> done = preparer.completed();
            assertThat(done).singleElement().isInstanceOf(ModelSlot.Ready.class);
            slot.install((ModelSlot.Ready) done.get(0));
            assertThat(slot.version()).isEqualTo(1);
            assertThat(preparer.inFlight()).containsExactly(second, stale);

            executor.tasks.get(1).run();
            assertThat(preparer.inFlight()).containsExactly(second, stale);
            executor.tasks.get(2).run();
            done = preparer.completed();
            assertThat(done).hasSize(2);
            assertThat(done.get(0)).isInstanceOf(ModelSlot.Ready.class);
            // Judged against version 2, the newest accepted, although version 1 is still the one served.
            assertThat(done.get(1)).isInstanceOfSatisfying(ModelSlot.Refused.class,
                    r -> assertThat(r.reason()).contains("not newer than 2"));
            assertThat(slot.version()).isEqualTo(1);
            assertThat(preparer.inFlight()).isEmpty();
            slot.install((ModelSlot.Ready) done.get(0));
            assertThat(slot.version()).isEqualTo(2);
        }
    }
}
