package byot.stream.tools.cluster;

import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends events to {@code images} at a fixed rate on a thread of its own, each stamped with the time it is sent (the
 * sinks stamp records with event time, and retention deletes old segments), so the stream goes on while a test kills
 * processes.
 */
final class PacedProducer implements AutoCloseable {
    private final Thread thread;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;

    PacedProducer(String bootstrap, List<ImageEvent> events, int perSecond) {
        thread = new Thread(() -> run(bootstrap, events, perSecond), "paced-producer");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String bootstrap, List<ImageEvent> events, int perSecond) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
        long start = System.nanoTime();
        try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events.size() && !stop; i++) {
                long due = start + i * 1_000_000_000L / perSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                ImageEvent e = events.get(i);
                ImageEvent stamped = new ImageEvent(e.id(), System.currentTimeMillis(), e.sourceId(), e.label(), e.height(),
                        e.width(), e.channels(), e.encoding(), e.pixels());
                producer.send(new ProducerRecord<>("images", ImageEventCodec.key(stamped), codec.encode(stamped)), (md, ex) -> {
                    if (ex != null) {
                        failure.compareAndSet(null, ex);
                    }
                });
                sent.incrementAndGet();
            }
            producer.flush();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    int sent() {
        rethrow();
        return sent.get();
    }

    boolean done() {
        rethrow();
        return !thread.isAlive();
    }

    private void rethrow() {
        if (failure.get() != null) {
            throw new IllegalStateException("producing images failed", failure.get());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }
}
