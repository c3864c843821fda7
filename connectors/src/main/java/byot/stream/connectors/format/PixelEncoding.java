package byot.stream.connectors.format;

import java.util.Optional;

/** How {@link ImageEvent#pixels()} are encoded. The code is the byte on the wire: add new ones, never renumber. */
public enum PixelEncoding {
    /** One unsigned byte per pixel and channel, CHW order: exactly height x width x channels bytes. */
    RAW_UINT8(0);

    private final int code;

    PixelEncoding(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<PixelEncoding> fromCode(int code) {
        for (PixelEncoding e : values()) {
            if (e.code == code) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
