package byot.stream.connectors.replay;

import byot.stream.connectors.dataset.LabeledImages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * A class-incremental stream: all images of the first class, then all of the second, and so on, each class in file
 * order. Classes not listed are left out, so {@code 0,1} streams a two-class subset.
 */
public record ClassOrder(List<Integer> classes) {
    public ClassOrder {
        classes = List.copyOf(classes);
        if (classes.isEmpty() || classes.stream().distinct().count() != classes.size()
                || classes.stream().anyMatch(c -> c < 0)) {
            throw new IllegalArgumentException("class order needs distinct non-negative classes, got " + classes);
        }
    }

    /** {@code sorted} (every class, ascending) or a comma list such as {@code 3,1,2}. */
    public static ClassOrder parse(String spec, int numClasses) {
        if (spec.trim().toLowerCase(Locale.ROOT).equals("sorted")) {
            return new ClassOrder(IntStream.range(0, numClasses).boxed().toList());
        }
        List<Integer> classes = new ArrayList<>();
        for (String part : spec.split(",")) {
            try {
                classes.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("class order '" + spec + "' must be 'sorted' or a comma list of classes");
            }
        }
        classes.stream().filter(c -> c >= numClasses).findFirst().ifPresent(c -> {
            throw new IllegalArgumentException("class " + c + " in class order, but the dataset has " + numClasses);
        });
        return new ClassOrder(classes);
    }

    /** Indices into {@code data}, in stream order. */
    public int[] order(LabeledImages data) {
        int[] out = new int[data.size()];
        int n = 0;
        for (int c : classes) {
            for (int i = 0; i < data.size(); i++) {
                if (data.label(i) == c) {
                    out[n++] = i;
                }
            }
        }
        return Arrays.copyOf(out, n);
    }
}
