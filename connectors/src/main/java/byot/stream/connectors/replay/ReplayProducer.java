package byot.stream.connectors.replay;

import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.format.ImageEvent;
import byot.stream.connectors.format.ImageEventCodec;
import byot.stream.connectors.format.ImageLimits;
import byot.stream.connectors.format.PixelEncoding;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Streams a dataset split into a topic as {@link ImageEvent}s: paced, with labels hidden at random, optionally
 * looping, shifted or in class order ({@link ReplayConfig}). Event time is the wall clock at send.
 * <pre>{@code
 * var data = FashionMnist.locate(Optional.empty()).load(FashionMnist.Split.TRAIN);
 * ReplaySummary s = new ReplayProducer(ReplayConfig.onePass(client, Topics.IMAGES, "train"), data).run(p -> {});
 * }</pre>
 */
public final class ReplayProducer {
    /**
     * Batching is what gets a replay near raw producer throughput: ~800-byte records in 512 KiB batches, held up to
     * 10 ms. acks=all with idempotence (Kafka's defaults) costs little on one broker and keeps a partition's events
     * in order without duplicates across retries. No compression: pixels of natural images barely compress and the
     * broker is local.
     */
    public static final Map<String, Object> PRODUCER_DEFAULTS = Map.of(
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ProducerConfig.LINGER_MS_CONFIG, "10",
            ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(512 * 1024),
            ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(64L << 20),
            ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    private static final long PROGRESS_INTERVAL_NANOS = 250_000_000L;

    private final ReplayConfig config;
    private final LabeledImages data;
    private final int[] order;
    private final ImageEventCodec codec = new ImageEventCodec(ImageLimits.DEFAULT);
    /** Source ids and their key bytes, made once: events cycle through a handful of sources. */
    private final String[] sourceIds;
    private final byte[][] sourceKeys;
    private final byte[] scratch;
    private volatile boolean stopped;

    public ReplayProducer(ReplayConfig config, LabeledImages data) {
        this.config = config;
        this.data = data;
        if (config.shift() != null) {
            config.shift().checkApplicable(data.shape());
        }
        this.sourceIds = IntStream.range(0, config.sources()).mapToObj(i -> "camera-" + i).toArray(String[]::new);
        this.sourceKeys = Arrays.stream(sourceIds).map(id -> id.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        this.scratch = new byte[data.shape().pixelCount()];
        this.order = config.classOrder() != null ? config.classOrder().order(data) : IntStream.range(0, data.size()).toArray();
        if (order.length == 0) {
            throw new IllegalArgumentException(data.name() + " has no images" + (config.classOrder() != null
                    ? " of classes " + config.classOrder().classes() : ""));
        }
    }

    /** Events this replay will send, or -1 when it loops without a limit. */
    public long total() {
        if (config.limit() > 0) {
            return config.loop() ? config.limit() : Math.min(config.limit(), order.length);
        }
        return config.loop() ? -1 : order.length;
    }

    /** Ends a running replay after the event in flight; {@link #run} then flushes and returns its summary. */
    public void stop() {
        stopped = true;
    }

    /** Sends until done or {@link #stop stopped}; calls {@code progress} about four times a second, then once at the end. */
    public ReplaySummary run(Consumer<ReplayProgress> progress) {
        SendTally tally = new SendTally();
        SplittableRandom labels = new SplittableRandom(config.seed());
        TokenBucket bucket = config.rate() > 0 ? new TokenBucket(config.rate(), Math.max(1, config.rate() / 20)) : null;
        long total = total();
        long bytes = 0;
        long sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config.client().toProperties(PRODUCER_DEFAULTS),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            // Metadata first: the first send would otherwise block on it and count as slow sending in the rate.
            producer.partitionsFor(config.topic());
            long start = System.nanoTime();
            long nextProgress = start + PROGRESS_INTERVAL_NANOS;
            while (!stopped && (total < 0 || sent < total)) {
                if (bucket != null && !bucket.acquire(() -> stopped)) {
                    break;   // stopped while waiting for the rate: nothing more is sent
                }
                int index = order[(int) (sent % order.length)];
                long loop = sent / order.length;
                byte[] value = codec.encode(event(index, loop, sent, labels));
                producer.send(new ProducerRecord<>(config.topic(), sourceKeys[index % sourceKeys.length], value), tally);
                bytes += value.length;
                sent++;
                long now = System.nanoTime();
                if (now >= nextProgress) {
                    nextProgress = now + PROGRESS_INTERVAL_NANOS;
                    double seconds = (now - start) / 1e9;
                    progress.accept(new ReplayProgress(sent, tally.acked.get(), tally.errors.get(), total, sent / seconds, seconds));
                }
            }
            producer.flush();
            double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
            progress.accept(new ReplayProgress(sent, tally.acked.get(), tally.errors.get(), total, sent / seconds, seconds));
            long acked = tally.acked.get();
            return new ReplaySummary(acked, tally.errors.get(), bytes, seconds, acked / seconds, bytes / seconds / 1e6,
                    tally.firstError.get());
        }
    }

    private ImageEvent event(int index, long loop, long eventNumber, SplittableRandom labels) {
        // The codec copies the pixels into the record, so one scratch image serves every event (and every shift).
        byte[] pixels = scratch;
        data.copyPixels(index, pixels);
        if (config.shift() != null && config.shift().appliesTo(eventNumber)) {
            config.shift().apply(pixels, data.shape(), config.seed(), eventNumber);
        }
        // Drawn for every event, labelled or not, so the pattern depends only on the seed and the event number.
        boolean keepLabel = labels.nextDouble() < config.labeledFraction();
        return new ImageEvent(config.split() + "-" + index + "-" + loop, System.currentTimeMillis(), sourceId(index),
                keepLabel ? data.label(index) : ImageEvent.UNLABELED, data.shape().height(), data.shape().width(),
                data.shape().channels(), PixelEncoding.RAW_UINT8, pixels);
    }

    private String sourceId(int index) {
        return sourceIds[index % sourceIds.length];
    }

    /**
     * Counts the broker's answers; one instance for every send, since a capturing lambda per record is
     * garbage on the path that has to keep up with the raw producer.
     */
    private static final class SendTally implements Callback {
        final AtomicLong acked = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();

        @Override
        public void onCompletion(RecordMetadata metadata, Exception e) {
            if (e == null) {
                acked.incrementAndGet();
            } else {
                errors.incrementAndGet();
                firstError.compareAndSet(null, e.toString());
            }
        }
    }
}
