package byot.stream.model.runtime;

import java.lang.management.ManagementFactory;
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
}
