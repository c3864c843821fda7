package byot.stream.jobs.adapt;

import byot.stream.connectors.format.DeadLetter;
import byot.stream.connectors.format.MetricsWindow;
import byot.stream.connectors.format.ModelUpdate;
import byot.stream.connectors.format.Prediction;
import byot.stream.connectors.kafka.Decoded;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;

/** Where the pipeline reads and writes: Kafka in production, finite sources and collecting sinks in tests. */
public record PipelineEndpoints(Source<Decoded, ?, ?> images, Sink<Prediction> predictions, Sink<DeadLetter> deadLetters,
                                Sink<ModelUpdate> models, Sink<MetricsWindow> metrics) {
}
