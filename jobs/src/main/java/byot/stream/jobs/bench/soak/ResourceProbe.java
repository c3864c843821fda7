package byot.stream.jobs.bench.soak;

import byot.stream.model.runtime.NativeMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Reads this JVM's heap, garbage collection and ND4J native memory, and the size of the newest checkpoint. */
final class ResourceProbe {

    private final Path checkpoints;
    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).toList();
    private final AtomicLong afterGcFloor = new AtomicLong(Long.MAX_VALUE);
    private long lastAfterGc;

    ResourceProbe(Path checkpoints) {
        this.checkpoints = checkpoints;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, handback) -> onCollection(n), null, null);
            }
        }
    }

    long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * The lowest heap occupancy right after a collection since the last call (the previous reading when no
     * collection ran): the floor under the allocation sawtooth, which is what a heap leak raises.
     */
    long takeHeapAfterGc() {
        long floor = afterGcFloor.getAndSet(Long.MAX_VALUE);
        if (floor != Long.MAX_VALUE) {
            lastAfterGc = floor;
        }
        return lastAfterGc;
    }

    private void onCollection(Notification notification) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long after = 0;
        for (MemoryPoolMXBean pool : heapPools) {
            MemoryUsage usage = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
            after += usage == null ? 0 : usage.getUsed();
        }
        afterGcFloor.accumulateAndGet(after, Math::min);
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
