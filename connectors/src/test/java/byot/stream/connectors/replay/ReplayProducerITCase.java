package byot.stream.connectors.replay;

import static org.assertj.core.api.Assertions.assertThat;

import byot.stream.connectors.broker.EmbeddedKafkaExtension;
import byot.stream.connectors.dataset.ImageShape;
import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ReplayProducerITCase {
    @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final ImageShape SHAPE = new ImageShape(1, 4, 4);
    /** 50 images of 5 classes; pixel values encode index and position. */
    private static final LabeledImages DATA = data(50);

    private static LabeledImages data(int n) {
        byte[] pixels = new byte[n * 16];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) ((i * 3) % 5);
            for (int p = 0; p < 16; p++) {
                pixels[i * 16 + p] = (byte) (i + p * 10);
            }
        }
        return new LabeledImages("tiny", SHAPE, 5, pixels, labels);
    }

    private List<ImageEvent> replay(String topic, ReplayConfig config) throws Exception {
        KAFKA.createTopics(1, topic);
        List<ReplayProgress> progress = new ArrayList<>();
        ReplaySummary summary = new ReplayProducer(config, DATA).run(progress::add);
        assertThat(summary.errors()).isZero();
        assertThat(progress).last().extracting(ReplayProgress::acknowledged).isEqualTo(summary.sent());
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        List<ImageEvent> events = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KAFKA.drain(topic)) {
            events.add(codec.decode(r.value()));
        }
        assertThat(events).hasSize((int) summary.sent());
        return events;
    }

    private static ReplayConfig config(String topic, double rate, double labeled, long limit, boolean loop,
            DomainShift shift, ClassOrder order, long seed) {
        return ReplayConfig.onePass(KAFKA.client(), topic, "train").rate(rate).labeledFraction(labeled).limit(limit, loop)
                .shift(shift).classOrder(order).seed(seed).sources(4);
    }

    @Test
    void loopsUpToTheLimitWithStableIdsAndSeededLabels() throws Exception {
        List<ImageEvent> first = replay("r-loop-a", config("r-loop-a", 0, 0.3, 120, true, null, null, 7));
        List<ImageEvent> again = replay("r-loop-b", config("r-loop-b", 0, 0.3, 120, true, null, null, 7));

        assertThat(first).hasSize(120);
        assertThat(first).extracting(ImageEvent::id).doesNotHaveDuplicates()
                .startsWith("train-0-0", "train-1-0").contains("train-49-0", "train-0-1", "train-19-2")
                .doesNotContain("train-20-2");
        long labelled = first.stream().filter(ImageEvent::labeled).count();
        assertThat(labelled).isBetween(20L, 55L);
        assertThat(first).extracting(ImageEvent::label).isEqualTo(again.stream().map(ImageEvent::label).toList());
        for (ImageEvent e : first) {
            int index = Integer.parseInt(e.id().split("-")[1]);
            assertThat(e.pixels()).isEqualTo(DATA.pixels(index));
            assertThat(e.label()).isIn(-1, DATA.label(index));
            assertThat(e.sourceId()).isEqualTo("camera-" + (index % 4));
        }
    }

    @Test
    void shiftsEveryImageFromTheGivenEvent() throws Exception {
        List<ImageEvent> events = replay("r-shift",
                config("r-shift", 0, 1, 0, false, DomainShift.parse("10:invert"), null, 1));
        assertThat(events).hasSize(50);
        for (int i = 0; i < 50; i++) {
            byte[] expected = DATA.pixels(i);
            if (i >= 10) {
                for (int p = 0; p < expected.length; p++) {
                    expected[p] = (byte) (255 - (expected[p] & 0xff));
                }
            }
            assertThat(events.get(i).pixels()).as("event " + i).isEqualTo(expected);
            assertThat(events.get(i).label()).isEqualTo(DATA.label(i));
        }
    }

    @Test
    void classOrderStreamsClassByClass() throws Exception {
        List<ImageEvent> events = replay("r-order",
                config("r-order", 0, 1, 0, false, null, ClassOrder.parse("4,1", 5), 1));
        assertThat(events).hasSize(20);
        assertThat(events.subList(0, 10)).extracting(ImageEvent::label).containsOnly(4);
        assertThat(events.subList(10, 20)).extracting(ImageEvent::label).containsOnly(1);
    }

    @Test
    void pacesToTheTargetRate() throws Exception {
        KAFKA.createTopics(1, "r-rate");
        ReplaySummary summary = new ReplayProducer(config("r-rate", 200, 1, 100, true, null, null, 1), DATA).run(p -> {});
        assertThat(summary.sent()).isEqualTo(100);
        // burst is rate/20 = 10 events, so 100 events take at least 90/200 s
        assertThat(summary.seconds()).isGreaterThan(0.44);
        assertThat(summary.recordsPerSecond()).isLessThan(230);
    }
}
