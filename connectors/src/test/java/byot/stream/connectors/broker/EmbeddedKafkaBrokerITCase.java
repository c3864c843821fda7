package byot.stream.connectors.broker;

import byot.stream.broker.EmbeddedKafkaBroker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.PixelEncoding;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedKafkaBrokerITCase {
    @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void listensOnlyOnLoopback() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + broker.port());
        assertThat(broker.serverProperties().get("listeners").split(","))
                .allSatisfy(listener -> assertThat(listener).matches("[A-Z]+://127\\.0\\.0\\.1:\\d+"));
        try (Socket loopback = new Socket()) {
            loopback.connect(new InetSocketAddress("127.0.0.1", broker.port()), 2000);
            assertThat(loopback.isConnected()).isTrue();
        }
        List<InetAddress> others = NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .toList();
        for (InetAddress other : others) {
            try (Socket socket = new Socket()) {
                assertThatThrownBy(() -> socket.connect(new InetSocketAddress(other, broker.port()), 2000))
                        .as("broker port reachable on " + other)
                        .isInstanceOf(ConnectException.class);
            }
        }
    }

    @Test
    void carriesTenThousandImageEventsIntact() throws Exception {
        KAFKA.createTopics(4, "images-10k");
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT.withNumClasses(10));
        int n = 10_000;
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer()) {
            Future<RecordMetadata> last = null;
            for (int i = 0; i < n; i++) {
                ImageEvent e = event(i);
                last = producer.send(new ProducerRecord<>("images-10k", ImageEventCodec.key(e), codec.encode(e)));
            }
            producer.flush();
            assertThat(last.get().hasOffset()).isTrue();
        }

        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.drain("images-10k");

        assertThat(records).hasSize(n);
        Set<String> ids = new HashSet<>();
        Set<Integer> partitions = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            ImageEvent e = codec.decode(r.value());
            int i = Integer.parseInt(e.id().substring("img-".length()));
            ImageEvent expected = event(i);
            assertThat(e.pixels()).isEqualTo(expected.pixels());
            assertThat(e.label()).isEqualTo(expected.label());
            assertThat(e.sourceId()).isEqualTo(expected.sourceId());
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(e.sourceId());
            ids.add(e.id());
            partitions.add(r.partition());
        }
        assertThat(ids).hasSize(n);
        assertThat(partitions).hasSizeGreaterThan(1);
    }

    static ImageEvent event(int i) {
        byte[] pixels = new byte[784];
        for (int p = 0; p < pixels.length; p++) {
            pixels[p] = (byte) (i * 7 + p);
        }
        int label = i % 3 == 0 ? ImageEvent.UNLABELED : i % 10;
        return new ImageEvent("img-" + i, 1_700_000_000_000L + i, "camera-" + (i % 16), label, 28, 28, 1,
                PixelEncoding.RAW_UINT8, pixels);
    }
}
