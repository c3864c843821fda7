package byot.stream.tools.bench.soak;

/**
 * One reading of the soak's resources and traffic over the interval that ended at {@code atSeconds}.
 *
 * @param liveHeapBytes     heap in use right after the latest full collection the probe asked for
 * @param nativeBytes       resident memory beyond the committed heap: ND4J's buffers, oneDNN, code, stacks
 * @param javacppBytes      memory JavaCPP's pointers hold
 * @param gcMillis          time spent in garbage collection during the interval
 * @param checkpointBytes   size of the newest completed checkpoint on disk
 * @param eventsPerSecond   predictions that became visible during the interval, per second
 * @param latencyP50Ms      end to end, image event time to the prediction being readable, over the interval
 */
public record ResourceSample(double atSeconds, long heapUsedBytes, long liveHeapBytes, long nativeBytes,
                             long javacppBytes, long nativePointers, long residentBytes, long gcMillis, long checkpointBytes,
                             long sent, long predicted, double eventsPerSecond, long latencyP50Ms, long latencyP99Ms,
                             long modelVersion) {
}
