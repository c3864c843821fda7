package byot.stream.jobs.operators;

import byot.stream.connectors.format.ImageEvent;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Turns image events (uint8 CHW pixels) into the model's input: float pixels [N, C, H, W] in [0, 255]. */
public final class EventTensors {

    private EventTensors() {
    }

    public static INDArray pixels(List<ImageEvent> events) {
        ImageEvent first = events.get(0);
        int per = first.channels() * first.height() * first.width();
        float[] data = new float[events.size() * per];
        for (int i = 0; i < events.size(); i++) {
            byte[] p = events.get(i).pixels();
            for (int j = 0; j < per; j++) {
                data[i * per + j] = p[j] & 0xFF;
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
