package byot.stream.model.runtime;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Optional;
import org.bytedeco.javacpp.Pointer;

/**
 * Memory outside the Java heap. ND4J's CPU data buffers are not counted by JavaCPP's pointer accounting
 * ({@code javacppBytes} stays near zero), so what a native leak raises is the process's resident set beyond the
 * committed heap: {@code offHeapResidentBytes} (ND4J buffers, oneDNN caches, code, thread stacks, metaspace).
 *
 * @param offHeapResidentBytes resident set minus the committed Java heap
 * @param processResidentBytes resident set of the whole process
 * @param javacppBytes         bytes JavaCPP's pointers hold and have not freed
 * @param javacppPointers      native allocations behind those bytes
 * @param limitBytes           JavaCPP's cap ({@code -Dorg.bytedeco.javacpp.maxbytes})
 */
public record NativeMemory(long offHeapResidentBytes, long processResidentBytes, long javacppBytes, long javacppPointers,
                           long limitBytes) {

    public static NativeMemory now() {
        long resident = Pointer.physicalBytes();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
        return new NativeMemory(Math.max(0, resident - heap), resident, Pointer.totalBytes(), Pointer.totalCount(),
                Pointer.maxBytes());
    }

    /**
     * Why {@link #offHeapResidentBytes()} would mislead in this JVM, if it would: it subtracts the committed heap
     * from the resident set, which is exact only when the whole heap is committed and touched from the start
     * ({@code -Xms} = {@code -Xmx} and {@code -XX:+AlwaysPreTouch}). Otherwise heap growth and first touches of
     * committed pages show up as off-heap steps.
     */
    public static Optional<String> offHeapCaveat() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        boolean preTouch = hotspot != null && Boolean.parseBoolean(hotspot.getVMOption("AlwaysPreTouch").getValue());
        if (heap.getInit() == heap.getMax() && preTouch) {
            return Optional.empty();
        }
        return Optional.of("the heap is not fixed and pre-touched, so heap growth will read as off-heap growth; run with"
                + " BYOT_JAVA_OPTS=\"-Xms4g -Xmx4g -XX:+AlwaysPreTouch -XX:MaxGCPauseMillis=20\" (the launcher's default"
                + " for bench soak and bench memory)");
    }
}
