package byot.stream.connectors.dataset;

/**
 * One image of a split: {@code pixels} are uint8 in CHW order ({@code shape.pixelCount()} bytes), {@code index} its
 * position in the file. Arrays compare by identity here, as in every record holding one.
 */
public record LabeledImage(int index, ImageShape shape, byte[] pixels, int label) {
    public LabeledImage {
        if (pixels.length != shape.pixelCount()) {
            throw new IllegalArgumentException("image " + index + ": " + pixels.length + " pixels for shape " + shape);
        }
    }
}
