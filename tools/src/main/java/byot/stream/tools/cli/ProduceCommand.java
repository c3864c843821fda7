package byot.stream.tools.cli;

import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.jobs.config.ClientOptions;
import byot.stream.connectors.dataset.FashionMnist;
import byot.stream.connectors.dataset.LabeledImages;
import byot.stream.connectors.kafka.Topics;
import byot.stream.connectors.replay.ClassOrder;
import byot.stream.connectors.replay.DomainShift;
import byot.stream.connectors.replay.ReplayConfig;
import byot.stream.connectors.replay.ReplayProducer;
import byot.stream.connectors.replay.ReplaySummary;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** {@code byot produce}: replays a dataset split into Kafka, with a progress bar on stderr and a JSON summary on stdout. */
public final class ProduceCommand implements Command {
    /** Longest a Ctrl-C waits for the events in flight and the summary. */
    private static final java.time.Duration STOP_WAIT = java.time.Duration.ofSeconds(10);

    @Override
    public String name() {
        return "produce";
    }

    @Override
    public String summary() {
        return "Stream a dataset split into the images topic at a target rate (shifts, class order, hidden labels)";
    }

    @Override
    public Options options() {
        return ClientOptions.declare(new Options())
                .add("dataset", FashionMnist.NAME, "Dataset to replay (fashion-mnist)")
                .add("split", "train", "train or test")
                .add("data", null, "Directory with the dataset's files (default: " + FashionMnist.DEFAULT_DIR + ")")
                .add("topic", Topics.IMAGES, "Topic to write")
                .add("rate", "2000", "Events per second; 0 = as fast as possible")
                .add("labeled-fraction", "0.3", "Share of events that keep their label; the rest are sent unlabeled")
                .add("limit", "0", "Stop after this many events (0 = one pass, or forever with --loop)")
                .flag("loop", "Start over when the split is exhausted")
                .add("shift", null, "AFTER:KIND domain shift from event AFTER on; KIND is invert, rotate90 or noise")
                .add("class-order", null, "Class-incremental order: 'sorted' or a comma list of classes (others left out)")
                .add("seed", "42", "Seed for hidden labels and noise")
                .add("sources", String.valueOf(ReplayConfig.DEFAULT_SOURCES), "Number of simulated cameras (message keys)");
    }

    @Override
    public int run(Parsed args) throws Exception {
        if (!args.get("dataset").equals(FashionMnist.NAME)) {
            throw new UsageException("unknown dataset '" + args.get("dataset") + "': only fashion-mnist is packaged");
        }
        FashionMnist.Split split = FashionMnist.Split.parse(args.get("split"));
        ReplayConfig config = ReplayConfig.onePass(ClientOptions.client(args), args.get("topic"), split.label())
                .rate(args.getDouble("rate")).labeledFraction(args.getDouble("labeled-fraction"))
                .limit(args.getLong("limit"), args.flag("loop"))
                .shift(args.optional("shift").map(DomainShift::parse).orElse(null))
                .classOrder(args.optional("class-order").map(s -> ClassOrder.parse(s, FashionMnist.NUM_CLASSES)).orElse(null))
                .seed(args.getLong("seed")).sources(args.getInt("sources"));
        LabeledImages data = FashionMnist.locate(args.optional("data").map(Path::of)).load(split);
        ReplayProducer replay = new ReplayProducer(config, data);
        long events = replay.total();
        if (config.shift() != null && events >= 0 && config.shift().after() >= events) {
            System.err.println("byot produce: WARNING: the shift starts at event " + config.shift().after() + ", but this replay"
                    + " sends " + events + " events: no event will be shifted");
        }

        // Ctrl-C ends the replay cleanly: in-flight events are flushed and the summary still printed.
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            replay.stop();
            try {
                // Bounded: against an unreachable broker a send or the flush can block for a minute or two, and a
                // Ctrl-C that seems to do nothing is worse than a summary that does not come.
                if (!finished.await(STOP_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                    System.err.println("byot produce: the broker did not take the last events within " + STOP_WAIT.toSeconds()
                            + " s; stopping without them");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "byot-produce-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        ProgressBar bar = new ProgressBar(System.err);
        ReplaySummary summary;
        try {
            summary = replay.run(bar::update);
            bar.finish();
            // Before the latch opens: once it does, the shutdown hook returns and the JVM halts, summary or not.
            System.out.println(new ObjectMapper().writeValueAsString(summary));
            System.out.flush();
        } finally {
            bar.finish();
            finished.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook is already running and waits for us; nothing to remove.
        }
        return summary.errors() == 0 ? 0 : 1;
    }
}
