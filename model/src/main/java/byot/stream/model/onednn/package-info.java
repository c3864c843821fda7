/**
 * oneDNN primitives reached through its own JavaCPP presets ({@code org.bytedeco:dnnl}), beside the copy inside
 * ND4J's native library, which ND4J does not expose: the CPU engine ({@link byot.stream.model.onednn.OneDnn}) and
 * the inference convolution with its ReLU and residual add fused in
 * ({@link byot.stream.model.onednn.InferenceConvolution}), made once per batch size and kept. The training
 * engine's convolutions ({@code engine.DnnlConvolution}) use the same engine. Where oneDNN does not load (the
 * {@code cuda} profile, another backend) callers fall back to ND4J's kernels.
 */
package byot.stream.model.onednn;
