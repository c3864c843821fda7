package byot.stream.tools.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** The one-line JSON results that commands print last on stdout, for scripts and benchmarks to parse. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static String line(Map<String, ?> fields) {
        try {
            return MAPPER.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("result is not JSON-serialisable", e);
        }
    }

    /** Rounds for display so JSON lines stay short: 4 decimals. */
    public static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
