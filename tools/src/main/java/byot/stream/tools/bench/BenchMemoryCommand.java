package byot.stream.tools.bench;

import byot.stream.jobs.adapt.AdaptOptions;
import byot.stream.jobs.config.ModelOptions;
import byot.stream.jobs.config.Options;
import byot.stream.jobs.config.Parsed;
import byot.stream.jobs.config.UsageException;
import byot.stream.model.MultiExitModel;
import byot.stream.model.loss.DistillationConfig;
import byot.stream.model.loss.TrainingMode;
import byot.stream.model.loss.UnlabelledDistillation;
import byot.stream.model.runtime.NativeMemory;
import byot.stream.model.spec.ModelSpec;
import byot.stream.model.train.LrSchedule;
import byot.stream.model.train.SgdConfig;
import byot.stream.model.train.Trainer;
import byot.stream.tools.cli.Command;
import byot.stream.tools.train.Json;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.regression.SimpleRegression;
import org.apache.flink.configuration.Configuration;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code byot bench memory}: whether a long run of training steps holds its memory flat, as the fine-tuner takes
 * them (its batch size, a share of the rows unlabelled). Every {@code --sample-every} steps it records the
 * process's off-heap resident memory ({@link NativeMemory}: ND4J's buffers and oneDNN's primitives and caches,
 * none of which JavaCPP's pointer accounting sees), the whole resident set and the Java heap in use; the JSON line
 * has every sample and the least-squares growth of each after the warm-up. A leak of a few kilobytes per step shows
 * as megabytes per thousand steps. The launcher runs it on a fixed, pre-touched heap, so heap growth does not read
 * as off-heap growth.
 */
public final class BenchMemoryCommand implements Command {

    private static final double MB = 1024.0 * 1024.0;

    private final PrintStream out;
    private final PrintStream err;

    public BenchMemoryCommand() {
        this(System.out, System.err);
    }

    BenchMemoryCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "bench memory";
    }

    @Override
    public String summary() {
        return "Off-heap, resident and heap memory over a long run of training steps, with their growth per 1,000 steps";
    }

    @Override
    public Options options() {
        return ModelOptions.declare(new Options())
                .add("steps", "2000", "Training steps to take")
                .add("batches", "32", "Batch sizes, comma-separated, taken in turn step by step (the fine-tuner's is 32)")
                .add("mode", "byot", "Training mode")
                .add("unlabelled-share", "0.2", "Share of each batch's rows without a label (taught by the unlabelled"
                        + " self-distillation term, as in the fine-tuner; 0: all labelled)")
                .add(AdaptOptions.UNLABELLED_WEIGHT)
                .add(AdaptOptions.UNLABELLED_MIN_CONFIDENCE)
                .add("sample-every", "100", "Steps between memory samples")
                .add("warmup-steps", "200", "Steps before the first sample counted in the growth figures");
    }

    @Override
    public int run(Parsed args) throws Exception {
        Configuration model = args.configuration();
        ModelSpec spec = ModelOptions.fashionMnistSpec(model);
        long seed = ModelOptions.SEED.get(model);
        int steps = args.getInt("steps");
        int every = args.getInt("sample-every");
        int warmup = args.getInt("warmup-steps");
        double unlabelledShare = args.getDouble("unlabelled-share");
        List<Integer> batches = BenchModelCommand.batchSizes(args, "batches");
        if (steps < 1 || every < 1 || warmup < 0 || warmup >= steps || batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)
                || !(unlabelledShare >= 0 && unlabelledShare < 1)) {
            throw new UsageException("need --steps >= 1, --sample-every >= 1, 0 <= --warmup-steps < --steps, batch sizes"
                    + " >= 1 and --unlabelled-share in [0, 1)");
        }
        TrainingMode mode = TrainingMode.fromId(args.get("mode"));
        UnlabelledDistillation unlabelled = unlabelledShare > 0 ? new UnlabelledDistillation(AdaptOptions.UNLABELLED_WEIGHT.get(model),
                AdaptOptions.UNLABELLED_MIN_CONFIDENCE.get(model)) : UnlabelledDistillation.OFF;
        Trainer trainer = new Trainer(MultiExitModel.create(spec, seed), DistillationConfig.defaults(mode), unlabelled,
                new SgdConfig(0.01, 0.9, 5e-4, LrSchedule.CONSTANT, 0));
        List<Batch> inputs = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int size : batches) {
            int[] labels = random.ints(size, 0, spec.numClasses()).toArray();
            for (int i = 0; i < size; i++) {
                if (random.nextDouble() < unlabelledShare) {
                    labels[i] = Trainer.UNLABELLED;
                }
            }
            inputs.add(new Batch(BenchModelCommand.randomPixels(size, spec, seed + size), labels));
        }

        NativeMemory.offHeapCaveat().ifPresent(c -> err.println("bench memory: warning: " + c));
        List<Map<String, Object>> samples = new ArrayList<>();
        long start = System.nanoTime();
        long lastSample = start;
        for (int step = 1; step <= steps; step++) {
            Batch b = inputs.get((step - 1) % inputs.size());
            trainer.step(b.pixels, b.labels);
            if (step % every == 0 || step == steps) {
                long now = System.nanoTime();
                Map<String, Object> sample = sample(step, (now - start) / 1e9);
                int stepsSince = step % every == 0 ? every : step % every;
                sample.put("stepsPerSecond", Json.round(stepsSince / ((now - lastSample) / 1e9)));
                lastSample = now;
                samples.add(sample);
                err.printf("step %5d/%d: off-heap %.0f MB, resident %.0f MB, heap in use %.0f MB, %.1f steps/s%n", step, steps,
                        sample.get("offHeapMb"), sample.get("residentMb"), sample.get("heapMb"), sample.get("stepsPerSecond"));
            }
        }

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("arch", spec.architecture().id());
        result.put("widthMult", spec.widthMultiplier());
        result.put("mode", mode.id());
        result.put("engine", trainer.engine().id());
        result.put("steps", steps);
        Map<String, Object> growth = new LinkedHashMap<>();
        List<Map<String, Object>> counted = samples.stream().filter(s -> (int) s.get("step") > warmup).toList();
        for (String key : List.of("offHeapMb", "residentMb", "heapMb")) {
            growth.put(key, Json.round(slopePer1000(counted, key)));
        }
        result.put("growthMbPer1000StepsAfterWarmup", growth);
        result.put("offHeapMbAfterWarmup", range(counted, "offHeapMb"));
        result.put("samples", samples);
        result.put("ompThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        result.put("command", CommandLine.everyOption("./byot bench memory", options(), args));
        err.printf("growth after step %d, MB per 1,000 steps: %s; off-heap %s MB%n", warmup, growth, result.get("offHeapMbAfterWarmup"));
        out.println(Json.line(result));
        return 0;
    }

    private record Batch(INDArray pixels, int[] labels) {}

    private static Map<String, Object> sample(int step, double seconds) {
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("step", step);
        s.put("seconds", Json.round(seconds));
        NativeMemory memory = NativeMemory.now();
        s.put("offHeapMb", Json.round(memory.offHeapResidentBytes() / MB));
        s.put("residentMb", Json.round(memory.processResidentBytes() / MB));
        s.put("heapMb", Json.round((rt.totalMemory() - rt.freeMemory()) / MB));
        s.put("gcCount", ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(g -> Math.max(0, g.getCollectionCount())).sum());
        return s;
    }

    /** Least-squares slope of {@code key} against the step, per 1,000 steps; 0 with fewer than two samples. */
    static double slopePer1000(List<Map<String, Object>> samples, String key) {
        if (samples.size() < 2) {
            return 0;
        }
        SimpleRegression regression = new SimpleRegression();
        for (Map<String, Object> s : samples) {
            regression.addData(((Number) s.get("step")).doubleValue(), ((Number) s.get(key)).doubleValue());
        }
        return 1000 * regression.getSlope();
    }

    private static List<Double> range(List<Map<String, Object>> samples, String key) {
        double min = samples.stream().mapToDouble(s -> ((Number) s.get(key)).doubleValue()).min().orElse(0);
        double max = samples.stream().mapToDouble(s -> ((Number) s.get(key)).doubleValue()).max().orElse(0);
        return List.of(Json.round(min), Json.round(max));
    }
}
