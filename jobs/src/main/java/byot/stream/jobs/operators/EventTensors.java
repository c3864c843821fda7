package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.model.input.DomainRouter;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns image events (uint8 CHW pixels) into the model's input: float pixels [N, C, H, W] in [0, 255], or mapped by
 * the served version's {@link InputAlignment}.
 */
public final class EventTensors {

    private EventTensors() {
    }

    public static INDArray pixels(List<ImageEvent> events) {
        return pixels(events, null);
    }

    /** As above, each image routed and mapped by {@code router} ({@code null}: as they came), in list order. */
    public static INDArray pixels(List<ImageEvent> events, DomainRouter router) {
        ImageEvent first = events.get(0);
        int per = first.channels() * first.height() * first.width();
        float[] data = new float[events.size() * per];
        for (int i = 0; i < events.size(); i++) {
            byte[] p = events.get(i).pixels();
            for (int j = 0; j < per; j++) {
                data[i * per + j] = p[j] & 0xFF;
            }
            if (router != null) {
                router.apply(data, i * per, per);
            }
        }
        return Nd4j.create(data, new long[] {events.size(), first.channels(), first.height(), first.width()}, 'c');
    }

    public static int[] labels(List<ImageEvent> events) {
        int[] labels = new int[events.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = events.get(i).label();
        }
        return labels;
    }
}
