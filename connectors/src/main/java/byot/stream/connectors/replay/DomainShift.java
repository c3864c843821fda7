package byot.stream.connectors.replay;

import byot.stream.connectors.dataset.ImageShape;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A change of input distribution for continual-learning scenarios: from event number {@code after} (0-based, counted
 * over everything the replay sends) every image is transformed by {@code kind}. Labels are unchanged.
 */
public record DomainShift(long after, Kind kind) {
    /** Standard deviation of the {@link Kind#NOISE} Gaussian, in pixel levels (0..255). */
    public static final double NOISE_STDDEV = 40.0;

    public enum Kind {
        /** {@code 255 - p}: dark garments on a light background. */
        INVERT,
        /** A quarter turn clockwise, per channel; square images only, so the shape the model sees stays the same. */
        ROTATE90,
        /** Additive Gaussian noise, clamped to 0..255, the same for the same seed and event number. */
        NOISE
    }

    public DomainShift {
        if (after < 0) {
            throw new IllegalArgumentException("shift must start at event >= 0, got " + after);
        }
        if (kind == null) {
            throw new IllegalArgumentException("shift kind is required");
        }
    }

    /** Parses {@code AFTER:KIND}, e.g. {@code 30000:invert}. */
    public static DomainShift parse(String spec) {
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("shift '" + spec + "' must be AFTER:KIND, e.g. 30000:invert");
        }
        long after;
        try {
            after = Long.parseLong(spec.substring(0, colon).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shift '" + spec + "': AFTER must be an event count");
        }
        String name = spec.substring(colon + 1).trim().toUpperCase(Locale.ROOT);
        Kind kind;
        try {
            kind = Kind.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("shift '" + spec + "': KIND must be invert, rotate90 or noise");
        }
        // Outside the try: a negative AFTER is its own mistake, not an unknown kind.
        return new DomainShift(after, kind);
    }

    public void checkApplicable(ImageShape shape) {
        if (kind == Kind.ROTATE90 && shape.height() != shape.width()) {
            throw new IllegalArgumentException("rotate90 needs square images, got " + shape);
        }
    }

    public boolean appliesTo(long eventNumber) {
        return eventNumber >= after;
    }

    /** Transforms CHW {@code pixels} of {@code shape} in place. */
    public void apply(byte[] pixels, ImageShape shape, long seed, long eventNumber) {
        switch (kind) {
            case INVERT -> {
                for (int i = 0; i < pixels.length; i++) {
                    pixels[i] = (byte) (255 - (pixels[i] & 0xff));
                }
            }
            case ROTATE90 -> rotate(pixels, shape);
            case NOISE -> {
                // Seeded per event, not from a shared stream: the noise of event n does not depend on pacing or on
                // which events came before.
                SplittableRandom random = new SplittableRandom(seed ^ (eventNumber * 0x9E3779B97F4A7C15L));
                for (int i = 0; i < pixels.length; i++) {
                    double v = (pixels[i] & 0xff) + gaussian(random) * NOISE_STDDEV;
                    pixels[i] = (byte) Math.max(0, Math.min(255, Math.round(v)));
                }
            }
        }
    }

    private static void rotate(byte[] pixels, ImageShape shape) {
        int n = shape.height();
        byte[] plane = new byte[n * n];
        for (int c = 0; c < shape.channels(); c++) {
            int base = c * n * n;
            System.arraycopy(pixels, base, plane, 0, plane.length);
            for (int r = 0; r < n; r++) {
                for (int col = 0; col < n; col++) {
                    pixels[base + r * n + col] = plane[(n - 1 - col) * n + r];
                }
            }
        }
    }

    private static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
