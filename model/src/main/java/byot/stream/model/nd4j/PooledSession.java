package byot.stream.model.nd4j;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.config.ExecutionResult;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A SameDiff inference session whose released arrays are reused across calls ({@link SessionArrayPool})
 * and whose bookkeeping does not grow with the number of calls.
 *
 * <p>SameDiff keeps one session per thread and graph; {@link #installForCurrentThread} puts one of these in
 * its place. {@link SameDiff#setEnableCache} must be on for the session to release anything.
 *
 * <p>Extends ND4J's {@code samediff.internal} session; {@code Nd4jInternalsTest} checks what it relies on.
 */
public final class PooledSession extends InferenceSession {

    private final SessionArrayPool pool = new SessionArrayPool();

    private PooledSession(SameDiff sd) {
        super(sd);
        setMmgr(pool);
    }

    /** The arrays this session has released and keeps for reuse (for the upgrade check). */
    SessionArrayPool pool() {
        return pool;
    }

    /** How many freed array ids ND4J's session still remembers (for the upgrade check). */
    int freedArraysRemembered() {
        return freedArrays.size();
    }

    /** Makes the calling thread's session of {@code sd} one of these, on first use. */
    public static void installForCurrentThread(SameDiff sd) {
        long thread = Thread.currentThread().getId();
        if (!(sd.getSessions().get(thread) instanceof PooledSession)) {
            sd.getSessions().put(thread, new PooledSession(sd));
        }
    }

    /**
     * ND4J 1.0.0-M2.1 records the id of every array a session frees and never forgets one. Recycled arrays
     * get new ids, so the entries of finished runs only cost heap: a few thousand per training step.
     */
    @Override
    public ExecutionResult output(List<String> variables, Map<String, INDArray> placeholderValues,
                                  Map<String, SDValue> otherPlaceHolderValues, MultiDataSet batch,
                                  Collection<String> requiredActivations, List<Listener> listeners, At at) {
        try {
            return super.output(variables, placeholderValues, otherPlaceHolderValues, batch, requiredActivations,
                    listeners, at);
        } finally {
            freedArrays.clear();
        }
    }
}
