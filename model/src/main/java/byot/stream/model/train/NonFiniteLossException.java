package byot.stream.model.train;

/**
 * A training step whose loss came out NaN or infinite. The step has changed nothing: weights, optimizer state and
 * step count are as before, so the caller may skip the batch and go on.
 */
public final class NonFiniteLossException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    public NonFiniteLossException(String message) {
        super(message);
    }
}
