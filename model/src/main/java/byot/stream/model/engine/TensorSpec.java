package byot.stream.model.engine;

/**
 * A tensor of the eager network: its shape after the batch dimension ([H, W, C] for a feature map, [K] for
 * logits) and whether the loss's gradient flows into it (anything downstream of a weight).
 */
record TensorSpec(long[] shapeAfterBatch, boolean needsGrad) {

    long[] shape(int batch) {
        long[] s = new long[shapeAfterBatch.length + 1];
        s[0] = batch;
        System.arraycopy(shapeAfterBatch, 0, s, 1, shapeAfterBatch.length);
        return s;
    }

    /** Elements per sample. */
    long perSample() {
        long n = 1;
        for (long d : shapeAfterBatch) {
            n *= d;
        }
        return n;
    }
}
