package byot.stream.model.exit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.TinyData;
import byot.stream.model.TrainedTinyModel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

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
            assertEquals(pixels.size(0), decisions.size(), "one decision per image");
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

    /** The outputs it hands back to the pools are reused by the next call: the rows it returned must not change. */
    @Test
    void exitProbabilitiesAreAllExitsReadOutAndStayValidAcrossCalls() {
        INDArray[] all = classifier.allExits(pixels);
        float[][][] expected = new float[all.length][][];
        for (int e = 0; e < all.length; e++) {
            expected[e] = all[e].toFloatMatrix();
        }
        float[][][] first = classifier.exitProbabilities(pixels);
        classifier.exitProbabilities(rows(0, 13));
        float[][][] again = classifier.exitProbabilities(pixels);
        for (int e = 0; e < all.length; e++) {
            assertEquals(pixels.size(0), first[e].length);
            for (int i = 0; i < first[e].length; i++) {
                assertArrayEquals(expected[e][i], first[e][i], 1e-6f, "exit " + e + " sample " + i);
                assertArrayEquals(expected[e][i], again[e][i], 1e-6f, "exit " + e + " sample " + i + ", second call");
            }
        }
    }

    @Test
    void regroupingSurvivorsAcrossBatchesChangesNoDecision() {
        ExitPolicy policy = ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, 0.8, 4);
        List<ExitDecision> one = classifier.classify(pixels, policy);
        assertTrue(one.stream().anyMatch(d -> d.exitDepth() > 1) && one.stream().anyMatch(d -> d.exitDepth() < 4),
                "need samples leaving at different depths");
        // uneven batches, and later stages regrouped into batches of 5
        List<INDArray> batches = List.of(rows(0, 13), rows(13, 30), rows(30, 31), rows(31, 48));

        List<ExitDecision> regrouped = classifier.classify(batches, policy, 5);

        assertEquals(one.size(), regrouped.size());
        for (int i = 0; i < one.size(); i++) {
            ExitDecision a = one.get(i);
            ExitDecision b = regrouped.get(i);
            assertEquals(a.exitDepth(), b.exitDepth(), "sample " + i);
            assertEquals(a.predictedClass(), b.predictedClass(), "sample " + i);
            assertEquals(a.confidence(), b.confidence(), 1e-5);
            assertArrayEquals(a.exitConfidences(), b.exitConfidences(), 1e-5f);
        }
    }

    /**
     * The classifier hands the arrays of a call back to the stages for later calls: answers to a batch stay
     * what they were however many other batches, of other sizes and survivors, went through in between.
     */
    @Test
    void reusedArraysChangeNoAnswerOfLaterCalls() {
        ExitPolicy policy = ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, 0.8, 4);
        INDArray batch = rows(0, 20);
        List<ExitDecision> first = classifier.classify(batch, policy);
        INDArray fullFirst = classifier.fullDepth(batch).dup();
        for (int round = 0; round < 3; round++) {
            classifier.classify(rows(20, 48), policy);
            classifier.classify(rows(3, 5), ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, 0.5, 4));
            classifier.classify(List.of(rows(5, 17), rows(30, 41)), policy, 4);
            classifier.allExits(rows(10, 30));
            classifier.fullDepth(rows(0, 48));
            List<ExitDecision> again = classifier.classify(batch, policy);
            for (int i = 0; i < first.size(); i++) {
                assertEquals(first.get(i).exitDepth(), again.get(i).exitDepth(), "sample " + i + ", round " + round);
                assertEquals(first.get(i).predictedClass(), again.get(i).predictedClass());
                assertArrayEquals(first.get(i).exitConfidences(), again.get(i).exitConfidences(), 0f);
            }
            assertArrayEquals(fullFirst.ravel().toFloatVector(), classifier.fullDepth(batch).ravel().toFloatVector(), 0f);
        }
    }

    private INDArray rows(int from, int to) {
        return pixels.get(NDArrayIndex.interval(from, to)).dup();
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
        assertEquals(pixels.size(0), decisions.size(), "one decision per image");
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
    }

    @Test
    void negativeOrNanThresholdsAreRefused() {
        IllegalArgumentException negative = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ExitPolicy(ExitCriterion.ENTROPY, new double[] {0.3, -0.1, 0.9}));
        org.junit.jupiter.api.Assertions.assertTrue(negative.getMessage().contains(">= 0"), negative.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ExitPolicy.uniform(ExitCriterion.MAX_SOFTMAX, Double.NaN, 4));
    }
}
