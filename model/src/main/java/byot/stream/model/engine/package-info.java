/**
 * The eager training engine: the training step's forward and backward passes run op by op on the CPU with
 * ND4J's kernels (ungrouped convolutions on oneDNN primitives of their own, {@code DnnlConvolution}), outside
 * SameDiff's graph interpreter, on NHWC feature maps whose arrays are allocated once per batch size and reused
 * every step. It computes what {@code train.TrainingGraph} computes (the same network from the same
 * {@code Layers} description, the same loss, the same batch statistics), and the trainer picks it on the CPU
 * backend ({@code train.TrainingEngine}).
 */
package byot.stream.model.engine;
