package byot.stream.tools.bench.soak;

import byot.stream.model.runtime.NativeMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Reads this JVM's heap, garbage collection and native memory, and the size of the newest checkpoint. */
final class ResourceProbe {

    private final Path checkpoints;
    ResourceProbe(Path checkpoints) {
        this.checkpoints = checkpoints;
    }

    long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Heap still reachable, read right after a full collection this probe asks for. The floor under the
     * young-collection sawtooth is no substitute: G1 promotes garbage into the old generation and leaves it
     * there until a marking cycle, which a 4 GB heap with a few hundred MB live may not start for an hour, so
     * that floor rises in a healthy process. The full collection pauses the pipeline for a few hundred ms.
     */
    long liveHeap() {
        System.gc();
        return heapUsed();
    }

    long gcMillisTotal() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime());
        }
        return sum;
    }

    NativeMemory nativeMemory() {
        return NativeMemory.now();
    }

    /** Bytes of the highest-numbered {@code chk-N} directory (Flink keeps only the newest by default). */
    long newestCheckpointBytes() {
        if (!Files.isDirectory(checkpoints)) {
            return 0;
        }
        try (Stream<Path> dirs = Files.find(checkpoints, 2, (p, a) -> a.isDirectory() && p.getFileName().toString().startsWith("chk-"))) {
            Optional<Path> newest = dirs.max(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().substring(4))));
            return newest.map(ResourceProbe::size).orElse(0L);
        } catch (IOException | UncheckedIOException e) {
            return -1;   // a checkpoint being written or subsumed while walked; the next sample reads again
        }
    }

    private static long size(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
