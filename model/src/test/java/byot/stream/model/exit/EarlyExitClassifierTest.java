package byot.stream.model.exit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.TinyData;
import byot.stream.model.TrainedTinyModel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class EarlyExitClassifierTest {

    private final EarlyExitClassifier classifier = TrainedTinyModel.make(6, 2).snapshot();
    private final INDArray pixels = new TinyData(48, 4, 1, 16, 21).pixels;

    @Test
    void sameAnswersAsFullForwardThenThreshold() {
        INDArray[] all = classifier.allExits(pixels);
        for (ExitPolicy policy : List.of(ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, 0.6, 4),
                ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, 0.9, 4),
                new ExitPolicy(ExitCriterion.ENTROPY, new double[] {0.3, 0.6, 0.9}))) {
            List<ExitDecision> decisions = classifier.classify(pixels, policy);
            for (int i = 0; i < decisions.size(); i++) {
                int expectedExit = 3;
                for (int e = 0; e < 3; e++) {
                    if (policy.exitsAt(e, all[e].getRow(i).toFloatVector())) {
                        expectedExit = e;
                        break;
                    }
                }
                float[] row = all[expectedExit].getRow(i).toFloatVector();
                ExitDecision d = decisions.get(i);
                assertEquals(expectedExit + 1, d.exitDepth(), "sample " + i + " under " + policy);
                assertEquals(EarlyExitClassifier.argmax(row), d.predictedClass());
                assertEquals(row[d.predictedClass()], d.confidence(), 1e-5);
                assertEquals(d.exitDepth(), d.exitConfidences().length);
            }
        }
    }

    @Test
    void earlyExitSpendsFewerMacsThanFullDepth() {
        List<ExitDecision> decisions = classifier.classify(pixels, ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, 0.6, 4));
        long spent = decisions.stream().mapToLong(d -> classifier.macsToExit(d.exitDepth() - 1)).sum();
        assertTrue(decisions.stream().anyMatch(d -> d.exitDepth() < 4), "nobody exited early: test data too hard");
        assertTrue(spent < decisions.size() * classifier.fullDepthMacs(), spent + " MACs");
    }

    @Test
    void fullDepthPolicyAnswersAtTheDeepestExit() {
        List<ExitDecision> decisions = classifier.classify(pixels, ExitPolicy.fullDepth(4));
        INDArray deepest = classifier.fullDepth(pixels);
        for (int i = 0; i < decisions.size(); i++) {
            assertEquals(4, decisions.get(i).exitDepth());
            assertEquals(deepest.getFloat(i, decisions.get(i).predictedClass()), decisions.get(i).confidence(), 1e-5);
        }
    }

    @Test
    void macsGrowWithDepth() {
        long[] macs = new long[4];
        for (int e = 0; e < 4; e++) {
            macs[e] = classifier.macsToExit(e);
        }
        for (int e = 1; e < 4; e++) {
            assertTrue(macs[e] > macs[e - 1]);
        }
        assertArrayEquals(macs, macs.clone());
    }
}
