package byot.stream.model.exit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.TrainedTinyModel;
import byot.stream.model.io.ModelFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Snapshots and decoded models free their native memory when told to, and only their own. */
class SnapshotLifecycleTest {

    private final INDArray pixels = new TinyData(16, 4, 1, 16, 21).pixels;

    @Test
    void closingASnapshotLeavesTheModelAndItsAnswersIntact() {
        MultiExitModel model = TrainedTinyModel.make(6, 2);
        INDArray before = model.snapshot().fullDepth(pixels).dup();
        for (int i = 0; i < 3; i++) {
            model.snapshot().close();
        }
        EarlyExitClassifier fresh = model.snapshot();
        assertArrayEquals(before.ravel().toFloatVector(), fresh.fullDepth(pixels).ravel().toFloatVector(), 0f);
    }

    @Test
    void aSnapshotOutlivesTheDecodedModelItCameFrom() throws Exception {
        MultiExitModel model = TrainedTinyModel.make(6, 2);
        INDArray expected = model.snapshot().fullDepth(pixels).dup();
        MultiExitModel decoded = ModelFile.fromBytes(ModelFile.toBytes(model, false));
        EarlyExitClassifier snapshot = decoded.snapshot();
        List<INDArray> tensors = new ArrayList<>(decoded.parameters().view(byot.stream.model.graph.Parameters.Kind.WEIGHT).values());
        decoded.release();
        assertTrue(tensors.stream().allMatch(INDArray::wasClosed), "the decoded model's tensors are freed");
        assertArrayEquals(expected.ravel().toFloatVector(), snapshot.fullDepth(pixels).ravel().toFloatVector(), 0f);
        INDArray out = snapshot.fullDepth(pixels);
        snapshot.close();
        assertFalse(out.wasClosed(), "what a snapshot returned belongs to the caller");
    }
}
