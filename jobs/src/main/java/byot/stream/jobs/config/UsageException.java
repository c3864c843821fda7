package byot.stream.jobs.config;

/** A mistake in how a command was called: printed as one line, never as a stack trace. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
